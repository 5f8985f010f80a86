"""Drafts of keywords and a description from the text of a dataset's files: keywords in the
characters the text wrote them in, nouns and the terms the text repeats (not verbs, addresses
or markup), the description made of the text's own sentences, in order, short, and never
resembling the title; and the benchmark's passages (bench/keywords.json) still in the
seeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.drafting import Document, documents, passage
from repository.files import check_file
from repository.files.drafting import DESCRIPTION_CHARACTERS, KEYWORDS, _idf, draft, word_idf
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


# --- what a keyword is made of ------------------------------------------------------------

METADATA = """語言典藏需要後設資料。後設資料描述每一筆語言資源，
典藏機構依後設資料整理語言資源，推動資源交換，推動開放，推動共享。"""


def test_a_term_the_text_repeats_is_drafted_whole_and_its_parts_are_not() -> None:
    keywords = draft([METADATA]).keywords
    assert {"後設資料", "語言資源"} <= set(keywords)
    assert not {"後設", "資料", "資源"} & set(keywords)


def test_verbs_are_not_keywords() -> None:
    assert "推動" not in draft([METADATA]).keywords  # three times, a verb in jieba's dictionary


def test_words_too_general_for_government_text_are_not_keywords() -> None:
    minutes = "委員：客語語料庫應開放。委員：客語語料庫應收錄口語。委員：客語辭典應上線。"
    keywords = draft([minutes]).keywords
    assert "委員" not in keywords and "客語語料庫" in keywords


def test_addresses_and_markup_give_no_keywords() -> None:
    text = ("客語語料庫網址為：<https://hakka.example.tw/corpus/index.html>。"
            "客語語料庫的聯絡信箱：corpus@hakka.example.tw。"
            '<ul style="list-style-type: none">客語語料庫收錄口語。</ul>')
    keywords = draft([text]).keywords
    assert "客語語料庫" in keywords
    assert not [k for k in keywords if any(part in k.casefold() for part in
                                         ("http", "example", "hakka", "style", "ul", "tw"))]


def test_latin_terms_are_kept_whole_and_latin_words_are_parts_only_as_whole_words() -> None:
    text = ("Common Voice 是 Mozilla 的語音計畫。Common Voice 收集語音。"
            "TAIDE 模型的 AI 評測；TAIDE 模型與 AI 訓練。")
    keywords = draft([text]).keywords
    assert {"Common Voice", "TAIDE", "AI"} <= set(keywords)  # AI is not a part of TAIDE
    assert "Common" not in keywords and "Voice" not in keywords


def test_a_taiwan_word_missing_from_jiebas_idf_table_takes_the_mainland_words_idf() -> None:
    assert word_idf(analysis.fold("計畫"), "計畫") == word_idf("计划", "计划") < _idf()[1]


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


def test_a_sentence_the_files_repeat_is_drafted_once():
    sentence = "臺灣客語語料庫收錄客家委員會歷年委託整理的客語語音轉寫文本。"
    other = "研究者可以利用客語語料進行語音辨識與機器翻譯的研究。"
    drafted = draft([sentence, other, sentence, sentence], title="客語語料")
    assert drafted.description.count(sentence) == 1
    assert other in drafted.description
