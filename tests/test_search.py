"""Search for people (repository/search): one script of Chinese, folded romanisation, the
substring recall floor, ranking, facets that count as a person expects, years, sorting, paging,
highlighting and the errors of bad input. Over the demo records in a real repository (the
embedded store, the real tantivy index) and small documents of our own."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from repository import Repository
from repository.errors import Gone, InputError
from repository.renderings import searchable_text
from repository.search import analysis
from repository.search.facets import FACETS, record_names, trainable
from repository.search.highlight import highlighted
from repository.search.query import MAX_DEPTH, Search, search
from repository.search.suggest import edit_distance
from repository.textindex import TextDocument, TextIndex
from tests.oai_support import demo_in_memory
from vocab.namespaces import DCT, VOCAB_BASE


@pytest.fixture(scope="module")
def repo() -> Iterator[Repository]:
    with demo_in_memory() as repository:
        yield repository


def found(repo: Repository, text: str = "", *terms: str, **options) -> list[str]:
    """The local ids a search finds, best first (every page)."""
    request = Search.checked(text, terms, size=100, **options)
    return [hit.local_id for hit in search(repo.text_index, request).hits]


def public_texts(repo: Repository) -> dict[str, list[str]]:
    """Local id → the titles, other texts and names (of languages and publishers) of each
    live public record."""
    texts = {}
    for local_id in repo.local_ids(public=True):
        try:
            graph = repo.get(local_id, public=True).graph
        except Gone:
            continue
        subject = repo.ids.resource(local_id)
        titles, others = searchable_text(graph, subject)
        texts[local_id] = [*titles, *others, *record_names(graph, subject)]
    return texts


# -- analysis ------------------------------------------------------------------------------


@pytest.mark.parametrize("traditional, simplified", [
    ("臺灣閩南語", "台湾闽南语"), ("語料庫", "语料库"), ("客家語", "客家语")])
def test_traditional_and_simplified_text_give_the_same_tokens(traditional, simplified):
    assert analysis.words(traditional) == analysis.words(simplified)
    assert analysis.grams(traditional) == analysis.grams(simplified)


@pytest.mark.parametrize("written", ["Tâi-gí", "tai-gi", "TAI-GI", "Tâi-gí"])
def test_romanised_words_lose_their_diacritics_and_keep_their_joined_form(written):
    assert analysis.words(written) == ["tai", "gi", "taigi"]


def test_chinese_is_segmented_into_words_with_the_words_inside_them():
    assert {"语料", "语料库"} <= set(analysis.words("國家語料庫"))


def test_our_vocabulary_labels_are_words_jieba_keeps_whole():
    lexicon = analysis.lexicon()
    assert "臺灣台語" in lexicon or "台湾台语" in map(analysis.fold, lexicon)
    assert all(2 <= len(word) <= 12 for word in lexicon)


# -- matching ------------------------------------------------------------------------------


def test_a_simplified_query_finds_the_traditional_records(repo):
    assert found(repo, "语料库") == found(repo, "語料庫") != []


@pytest.mark.parametrize("query", ["Tâi-gí", "tai-gi", "taigi", "TAI GI"])
def test_a_romanised_query_finds_the_record_with_or_without_tone_marks(repo, query):
    assert "00000010" in found(repo, query)


def test_every_record_a_substring_finds_is_found(repo):
    """The recall floor: for every two- to four-character piece of every public text, the
    records whose text holds it (a plain substring scan) are among the hits."""
    texts = public_texts(repo)
    pieces = sorted({run[i:i + n] for values in texts.values() for value in values
                     for run in re.findall(r"[\u4e00-\u9fff]+", value)
                     for n in (2, 3, 4) for i in range(0, max(len(run) - n + 1, 0), 3)})
    assert len(pieces) > 100
    for piece in pieces:
        expected = {i for i, values in texts.items() if any(piece in v for v in values)}
        assert expected <= set(found(repo, piece)), piece


def test_a_lone_character_finds_every_text_that_has_it(repo):
    texts = public_texts(repo)
    expected = {i for i, values in texts.items() if any("語" in v for v in values)}
    assert set(found(repo, "語")) == expected


def test_a_title_match_ranks_above_a_description_match(repo):
    hits = found(repo, "外交")
    assert hits[0] == "00000001"  # 中華民國外交年鑑


def test_words_none_of_the_records_has_find_nothing(repo):
    assert found(repo, "量子色動力學") == []


# -- facets --------------------------------------------------------------------------------


def test_each_facet_count_is_the_number_of_hits_that_choosing_it_gives(repo):
    results = search(repo.text_index, Search.checked("", size=100))
    assert set(results.facets) == set(FACETS)
    for facet, values in results.facets.items():
        for code, count in values:
            assert len(found(repo, "", f"{facet}:{code}")) == count, (facet, code)


def test_a_chosen_facet_still_counts_its_other_values(repo):
    results = search(repo.text_index, Search.checked("", ("licence:OGDL-Taiwan-1.0",)))
    licences = dict(results.facets["licence"])
    assert len(licences) > 1 and "SAITDL-1.0" in licences
    assert results.total == licences["OGDL-Taiwan-1.0"]


def test_values_of_one_facet_are_alternatives_and_facets_together_all_apply(repo):
    ogdl, saitdl = (set(found(repo, "", f"licence:{c}")) for c in ("OGDL-Taiwan-1.0",
                                                                    "SAITDL-1.0"))
    either = set(found(repo, "", "licence:OGDL-Taiwan-1.0", "licence:SAITDL-1.0"))
    assert either == ogdl | saitdl
    cmn = set(found(repo, "", "language:cmn"))
    assert set(found(repo, "", "licence:SAITDL-1.0", "language:cmn")) == saitdl & cmn


@pytest.mark.parametrize("licence, usable", [
    ("OGDL-Taiwan-1.0", True), ("SAITDL-1.0", True), ("CC-BY-4.0", True),
    ("CC-BY-ND-4.0", False), ("TBC", False), ("no-such-licence", False)])
def test_usable_for_ai_training_follows_the_licences_odrl_permissions(licence, usable):
    assert trainable(f"{VOCAB_BASE}licence/{licence}") is usable


def test_a_range_of_years_finds_the_records_whose_coverage_overlaps_it(repo):
    all_ids = found(repo, "")
    overlapping = set(found(repo, "", years=(1990, 1995)))
    assert "00000001" in overlapping  # 1988–2023
    assert "00000002" not in overlapping  # 2025
    assert overlapping < set(all_ids)
    with pytest.raises(InputError) as refused:
        Search.checked("", years=(2000, 1990))
    assert refused.value.field == "until"


# -- order and pages -----------------------------------------------------------------------


def test_sorting_by_title_puts_titles_in_order(tmp_path: Path):
    index = TextIndex(None)
    index.put([TextDocument(i, f"https://x.example/id/{i}", (t,))
               for i, t in (("1", "Corpus C"), ("2", "annals A"), ("3", "Bible B"))])
    request = Search.checked("", sort="title")
    assert [h.local_id for h in search(index, request).hits] == ["2", "3", "1"]


@pytest.mark.parametrize("sort", ["issued", "modified"])
def test_sorting_by_date_puts_the_latest_first(repo, sort):
    ids = found(repo, "", sort=sort)
    assert len(ids) == len(found(repo, ""))
    key = DCT.issued if sort == "issued" else None
    if key is not None:
        issued = [repo.get(i, public=True).graph.value(repo.ids.resource(i), key) for i in ids]
        dates = [str(d) for d in issued if d is not None]
        assert dates == sorted(dates, reverse=True) and dates


def test_pages_follow_each_other_without_gaps_or_repeats(repo):
    every = [h.local_id for h in search(repo.text_index, Search.checked("", size=100,
                                                                          sort="title")).hits]
    paged = list(itertools.chain.from_iterable(
        [h.local_id for h in search(repo.text_index, Search.checked(
            "", size=5, page=page, sort="title")).hits] for page in range(1, 10)))
    assert paged == every[:len(paged)] and len(paged) == min(45, len(every))


@pytest.mark.parametrize("options, field", [
    ({"terms": ("colour:red",)}, "facet"), ({"terms": ("language",)}, "facet"),
    ({"sort": "random"}, "sort"), ({"size": 0}, "size"), ({"size": 101}, "size"),
    ({"page": 0}, "page"), ({"page": MAX_DEPTH}, "page"), ({"text": "字" * 501}, "q")])
def test_bad_input_is_refused_naming_its_parameter(options, field):
    with pytest.raises(InputError) as refused:
        Search.checked(**options)
    assert refused.value.field == field


# -- highlighting --------------------------------------------------------------------------


@pytest.mark.parametrize("text, query, marked", [
    ("臺灣閩南語常用詞辭典", "台湾闽南语", ["臺灣閩南語"]),
    ("Tâi-gí ê Pe̍h-ōe-jī", "tai-gi peh", ["Tâi", "gí", "Pe̍h"]),
    ("客家語語音資料集與語料庫", "客家 語料", ["客家", "語料"]),
    ("the giant corpus", "gi", []),
])
def test_highlighting_marks_what_matched_in_the_text_as_shown(text, query, marked):
    pieces = highlighted(text, query)
    assert "".join(p for p, _ in pieces) == text
    assert [p for p, flag in pieces if flag] == marked


@pytest.mark.parametrize("query", ["台語", "閩南語", "Taiwanese Hokkien"])
def test_a_record_is_found_by_the_names_of_its_languages(repo, query):
    assert "00000010" in found(repo, query)  # it says Tâi-gí and 台文, never 台語 or 閩南語


def test_a_record_is_found_by_its_publishers_name(repo):
    assert "00000008" in found(repo, "中央研究院")  # its publisher, not its text


def test_results_can_be_kept_to_a_quality_and_sorted_by_it(repo):
    every = search(repo.text_index, Search.checked("", size=100, sort="quality")).hits
    scores = [hit.quality for hit in every]
    assert all(score is not None for score in scores) and scores == sorted(scores, reverse=True)
    threshold = scores[len(scores) // 2]
    kept = search(repo.text_index, Search.checked("", size=100, min_quality=threshold)).hits
    assert {h.local_id for h in kept} == {h.local_id for h in every if h.quality >= threshold}
    with pytest.raises(InputError) as refused:
        Search.checked("", min_quality=11)
    assert refused.value.field == "quality"


# -- did you mean --------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "meant"), [
    ("dictionay", "dictionary"),  # a letter left out
    ("corpsu", "corpus"),  # two letters swapped
    ("Formosn languages", "Formosan languages"),  # one word of two; its capital kept
    ("Amsi 語料", "Amis 語料"),  # the Chinese word kept as it is
])
def test_a_misspelt_query_that_finds_nothing_suggests_the_words_that_find(repo, typed, meant):
    results = search(repo.text_index, Search.checked(typed))
    assert results.total == 0 and results.suggestion == meant
    assert search(repo.text_index, Search.checked(meant)).total > 0


@pytest.mark.parametrize("typed", [
    "量子色動力學",  # Chinese: nothing to correct
    "xyzzyq",  # no index word is near
    "客語 diktionary",  # corrected, it still finds nothing together
])
def test_no_suggestion_unless_it_finds_something(repo, typed):
    results = search(repo.text_index, Search.checked(typed))
    assert results.total == 0 and results.suggestion is None


def test_a_query_that_finds_something_gets_no_suggestion(repo):
    assert search(repo.text_index, Search.checked("dictionary")).suggestion is None


@pytest.mark.parametrize(("a", "b", "distance"), [
    ("corpus", "corpus", 0), ("corpus", "corpsu", 1), ("amis", "ami", 1),
    ("dictionary", "dictionay", 1), ("kavalan", "kavalang", 1), ("paiwan", "puyuma", 3)])
def test_edit_distance_counts_a_swap_of_neighbours_as_one(a, b, distance):
    assert edit_distance(a, b, cap=2) == min(distance, 3)
