"""Drafts of keywords and a description from the text of a dataset's files: keywords in the
characters the text wrote them in, the description made of the text's own sentences, in
order, short, and never resembling the title; and the benchmark's passages
(bench/keywords.json) still in the seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.drafting import Document, documents, passage
from repository.files import check_file
from repository.files.drafting import DESCRIPTION_CHARACTERS, KEYWORDS, draft
from repository.files.text import pieces
from repository.search import analysis
from tests.conftest import shared_path
from tests.files_support import odt

TEXT = """臺灣客家語是臺灣的國家語言之一，主要分布在桃園、新竹、苗栗、屏東與花蓮等地。
本語料庫收錄客語四縣腔、海陸腔、大埔腔、饒平腔與詔安腔的廣播逐字稿，共一萬二千則。
每則逐字稿皆附有錄音檔與華語對譯，可供語音辨識與機器翻譯的訓練使用。
客家委員會依國家語言發展法推動客語復振，並開放本語料庫供各界利用。"""
TITLE = "臺灣客語廣播語料庫"


def sentences(text: str) -> list[str]:
    return [s + "。" for s in text.replace("\n", "").split("。") if s]


def test_keywords_are_words_of_the_text_in_its_own_characters() -> None:
    drafted = draft([TEXT], TITLE)
    assert 3 <= len(drafted.keywords) <= KEYWORDS
    assert {"語料庫", "客語"} <= set(drafted.keywords)
    for keyword in drafted.keywords:
        assert keyword in TEXT  # Traditional, as written: not 语料库
        assert len(keyword) > 1 and not keyword.isdigit()


def test_a_simplified_text_gives_its_keywords_in_simplified() -> None:
    simplified = "".join(analysis.fold(c) for c in TEXT)
    assert "语料库" in draft([simplified]).keywords


def test_the_description_is_the_texts_own_sentences_in_order_and_short() -> None:
    description = draft([TEXT], TITLE).description
    assert 0 < len(description) <= DESCRIPTION_CHARACTERS
    used = [s for s in sentences(TEXT) if s in description]
    assert "".join(used) == description  # whole sentences of the text, in its order


def test_a_sentence_that_resembles_the_title_is_passed_over() -> None:
    text = f"{TITLE}。\n{TEXT}"
    assert not draft([text], TITLE).description.startswith(TITLE)


def test_a_file_is_drafted_from_its_extracted_text(tmp_path: Path) -> None:
    path = tmp_path / "hakka.odt"
    path.write_bytes(odt(TEXT.replace("\n", "")))
    drafted = draft(pieces(path, check_file(path)), TITLE)
    assert "客語" in drafted.keywords and drafted.description


# --- the benchmark's passages (bench/keywords.json) -------------------------------------

BENCHMARK = documents()


def test_the_benchmark_has_twenty_passages_with_five_to_ten_hand_keywords() -> None:
    assert len(BENCHMARK) == 20 and len({d.id for d in BENCHMARK}) == 20
    assert len({(d.seed, d.start) for d in BENCHMARK}) == 20
    for document in BENCHMARK:
        assert 5 <= len(document.keywords) <= 10, document.id
        assert 300 <= document.characters <= 3000, document.id


@pytest.mark.shared
@pytest.mark.parametrize("document", BENCHMARK, ids=[d.id for d in BENCHMARK])
def test_every_benchmark_pointer_still_resolves_to_its_passage(document: Document) -> None:
    text = passage(document, shared_path("seeds", document.seed).parent)
    assert 300 <= len(text) <= 3000
    assert abs(len(text) - document.characters) <= document.characters / 10
    assert [k for k in document.keywords if k not in text] == []
