"""The full-text index: exact substrings of Chinese text, whole words of Latin text, one field
for titles and one for every text; replace, remove and rebuild in one commit each, all or
nothing; several index objects (as several processes would) on one directory, one writer at a
time. Every test runs a real tantivy index, in memory or in ``tmp_path``."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
import tantivy

from repository.errors import InputError, StoreError
from repository.textindex import (
    MAX_LIMIT,
    TextDocument,
    TextIndex,
    TextIndexError,
    TextQueryError,
    analyse,
)


def iri(local_id: str) -> str:
    return f"https://data.example.org/dataset/{local_id}"


def record(local_id: str, *titles: str, texts: tuple[str, ...] = ()) -> TextDocument:
    return TextDocument(local_id, iri(local_id), titles, texts)


CORPUS = (
    record("oral", "口述歷史研究", texts=("Oral history of the Amis people",)),
    record("dynasty", "歷代史"),
    record("amis", "Amis 語料庫"),
    record("latin", "ＬＡＴＩＮ Corpus"),
    record("historian", "歷史學家", texts=("國語料，Amis",)),
    record("separated", "歷史，學家"),
    record("languages", "臺灣原住民族語言", texts=("Tâi-lô: lo̍k-tē",)),
    record("two-titles", "Oral", "History"),
    record("extension-b", "𠀀𠀁𠀂"),
)


@pytest.fixture(scope="module")
def corpus() -> TextIndex:
    index = TextIndex(None)
    index.put(CORPUS)
    yield index
    index.close()


def found(index: TextIndex, text: str, field: str = "text") -> set[str]:
    """The local ids (the last path segment of the IRIs) the search finds."""
    return {hit.rsplit("/", 1)[1] for hit in index.search(text, field).iris}


# -- analysis --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "tokens"), [
    ("口述歷史", ["口述", "述歷", "歷史", "史"]),
    ("語", ["語"]),
    ("「Amis 語料」，Oral-History", ["amis", "語料", "料", "oral", "history"]),
    ("Ｌａｔｉｎ ÄBC ﬁle", ["latin", "äbc", "file"]),
    ("Amis語料", ["amis", "語料", "料"]),
    ("lo̍k-tē 2024年", ["lo̍k", "tē", "2024", "年"]),
    ("ㄅㄚˊ", ["ㄅㄚ", "ㄚˊ", "ˊ"]),
    ("，。 _ — !", []),
])
def test_analysis_gives_words_and_the_token_starting_at_each_cjk_character(text, tokens) -> None:
    assert analyse(text) == tokens


# -- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("口述", {"oral"}),  # start of a title
    ("述歷史研", {"oral"}),  # middle
    ("研究", {"oral"}),  # end
    ("口述歷史研究", {"oral"}),  # whole
    ("歷史", {"oral", "historian", "separated"}),  # not 歷代史
    ("口史", set()),  # characters there, not consecutive
    ("歷研", set()),
    ("研究口述", set()),  # out of order
    ("「歷史」", {"oral", "historian", "separated"}),  # punctuation around the query
    ("𠀁𠀂", {"extension-b"}),
])
def test_a_chinese_string_matches_as_an_exact_substring(corpus, text, expected) -> None:
    assert found(corpus, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("代", {"dynasty"}),
    ("史", {"oral", "dynasty", "historian", "separated"}),  # end, middle and end of runs
    ("述", {"oral"}),  # inside a run only
    ("族", {"languages"}),
    ("𠀁", {"extension-b"}),
    ("鯨", set()),
])
def test_a_single_chinese_character_matches_wherever_it_occurs(corpus, text, expected) -> None:
    assert found(corpus, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("amis", {"oral", "amis", "historian"}),
    ("AMIS", {"oral", "amis", "historian"}),
    ("Ａｍｉｓ", {"oral", "amis", "historian"}),
    ("latin", {"latin"}),  # indexed full-width
    ("Ｃｏｒｐｕｓ", {"latin"}),
    ("ami", set()),  # whole words only
    ("oral history", {"oral"}),  # not across the two titles of two-titles
    ("history oral", set()),
    ("oral-history", {"oral"}),
    ("lo̍k", {"languages"}),  # the diacritic without a precomposed form stays in the word
    ("lo", set()),
])
def test_latin_text_matches_whole_words_in_order_ignoring_case_and_width(
    corpus, text, expected,
) -> None:
    assert found(corpus, text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Amis 語料", {"amis"}),
    ("amis語料庫", {"amis"}),
    ("Amis 語", {"amis"}),  # a lone last character starts the next run
    ("amis 料", set()),
    ("語料 Amis", {"historian"}),  # 國語料，Amis: the query's first run ends a run of the text
    ("料庫 amis", set()),
    ("料 amis", {"historian"}),
    ("歷史 學家", {"separated"}),  # not 歷史學家, which has no boundary there
    ("史學", {"historian"}),
    ("史 學", {"separated"}),
])
def test_mixed_chinese_and_latin_queries_keep_the_runs_of_the_text(corpus, text, expected) -> None:
    assert found(corpus, text) == expected


@pytest.mark.parametrize(("text", "title", "text_field"), [
    ("口述歷史", {"oral"}, {"oral"}),
    ("people", set(), {"oral"}),
    ("國語料", set(), {"historian"}),
    ("lo̍k", set(), {"languages"}),
])
def test_the_title_field_holds_titles_and_the_text_field_everything(
    corpus, text, title, text_field,
) -> None:
    assert found(corpus, text, "title") == title
    assert found(corpus, text, "text") == text_field


def test_hits_come_best_first() -> None:
    index = TextIndex(None)
    index.put([record("long", "Amis songs, dances and oral traditions of the east coast"),
               record("short", "Amis")])
    assert index.search("amis", "title").iris == (iri("short"), iri("long"))


def test_limit_cuts_the_iris_and_total_counts_every_match() -> None:
    index = TextIndex(None)
    index.put(record(f"{n:03}", f"語料庫 {n}") for n in range(30))
    hits = index.search("語料", "title", limit=10)
    assert (len(hits.iris), hits.total) == (10, 30)
    assert len(set(hits.iris)) == 10
    assert index.search("語料庫 7", limit=1).iris == (iri("007"),)


# -- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("arguments", "parameter", "says"), [
    ({"text": ""}, "text", "a letter, a digit or a CJK character"),
    ({"text": "「」，。 — !?"}, "text", "a letter, a digit or a CJK character"),
    ({"text": "語", "field": "body"}, "field", "'title', 'text'"),
    ({"text": "語", "limit": 0}, "limit", f"from 1 to {MAX_LIMIT}"),
    ({"text": "語", "limit": MAX_LIMIT + 1}, "limit", f"from 1 to {MAX_LIMIT}"),
    ({"text": "語", "limit": True}, "limit", f"from 1 to {MAX_LIMIT}"),
])
def test_a_bad_search_raises_a_query_error_naming_the_parameter(
    corpus, arguments, parameter, says,
) -> None:
    with pytest.raises(TextQueryError) as caught:
        corpus.search(**arguments)
    error = caught.value
    assert isinstance(error, InputError) and error.field == parameter
    assert str(error).startswith(f"field {parameter}: expected ") and says in str(error)


def test_a_closed_index_refuses_to_search_and_write() -> None:
    index = TextIndex(None)
    index.close()
    with pytest.raises(TextIndexError, match="closed"):
        index.search("語")
    with pytest.raises(TextIndexError, match="closed"):
        index.put([record("a", "語")])


def test_an_index_of_another_schema_is_refused(tmp_path: Path) -> None:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("body", stored=True)
    tantivy.Index(builder.build(), path=str(tmp_path))
    with pytest.raises(TextIndexError, match="cannot open the text index") as caught:
        TextIndex(tmp_path)
    assert isinstance(caught.value, StoreError)


# -- writing ---------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "disk"])
def index(request, tmp_path: Path) -> TextIndex:
    """An empty index, in memory and in a directory that does not exist yet."""
    text_index = TextIndex(None if request.param == "memory" else tmp_path / "text" / "index")
    yield text_index
    text_index.close()


def test_put_replaces_a_record_by_local_id(index) -> None:
    index.put([record("a", "口述歷史"), record("b", "口述傳統")])
    index.put([record("a", "語料庫")])
    assert found(index, "歷史") == set()
    assert found(index, "語料") == {"a"}
    assert found(index, "口述") == {"b"}
    assert len(index) == 2


def test_the_last_of_a_local_id_given_twice_in_one_put_wins(index) -> None:
    index.put([record("a", "口述歷史"), record("a", "語料庫")])
    assert (found(index, "歷史"), found(index, "語料"), len(index)) == (set(), {"a"}, 1)


def test_remove_drops_the_records_and_ignores_unknown_ids(index) -> None:
    index.put([record("a", "語料"), record("b", "語料"), record("c", "語料")])
    index.remove(["a", "c", "never-there"])
    assert (found(index, "語料"), len(index)) == ({"b"}, 1)


def test_replace_all_keeps_only_the_new_documents(index) -> None:
    index.put([record("a", "口述歷史"), record("b", "語料庫")])
    index.replace_all([record("c", "口述傳統"), record("b", "詞典"), record("c", "口述歷史")])
    assert (found(index, "口述"), found(index, "語料"), found(index, "詞典")) == (
        {"c"}, set(), {"b"})
    assert len(index) == 2


def test_replace_all_with_nothing_empties_the_index(index) -> None:
    index.put([record("a", "口述歷史")])
    index.replace_all([])
    assert (found(index, "歷史"), len(index)) == (set(), 0)


def test_a_record_without_text_is_held_and_counted(index) -> None:
    index.put([record("empty"), record("punctuation", "「」，。")])
    assert len(index) == 2


def test_a_failing_put_changes_nothing(index) -> None:
    index.put([record("a", "口述歷史")])
    unstorable = TextDocument("b", "https://data.example.org/\ud800", ("語料",), ())
    with pytest.raises(TextIndexError, match="cannot update the text index"):
        index.put([record("a", "語料庫"), record("c", "語料"), unstorable])
    assert (found(index, "歷史"), found(index, "語料"), len(index)) == ({"a"}, set(), 1)


def test_a_failing_rebuild_keeps_the_old_index_and_passes_the_failure_on(index) -> None:
    index.put([record("a", "口述歷史")])
    failure = StoreError("the public area went away")

    def documents():
        yield record("b", "語料")
        raise failure

    with pytest.raises(StoreError) as caught:
        index.replace_all(documents())
    assert caught.value is failure
    assert (found(index, "歷史"), found(index, "語料"), len(index)) == ({"a"}, set(), 1)


# -- several index objects on one directory ----------------------------------------------------


def test_a_second_index_object_sees_the_first_ones_commits_and_writes_after_it(
    tmp_path: Path,
) -> None:
    first, second = TextIndex(tmp_path), TextIndex(tmp_path)
    assert len(second) == 0
    first.put([record("a", "口述歷史")])
    assert found(second, "歷史") == {"a"}
    second.put([record("b", "口述傳統")])
    assert found(first, "口述") == {"a", "b"}
    first.remove(["b"])
    assert found(second, "口述") == {"a"}


def test_the_index_persists_across_close_and_reopen(tmp_path: Path) -> None:
    index = TextIndex(tmp_path)
    index.put([record("a", "口述歷史", texts=("Amis",))])
    index.close()
    reopened = TextIndex(tmp_path)
    assert (found(reopened, "歷史", "title"), found(reopened, "amis"), len(reopened)) == (
        {"a"}, {"a"}, 1)


def hold_writer(path: Path, seconds: float) -> threading.Thread:
    """A thread holding a raw tantivy writer (as another process would) on ``path`` for
    ``seconds``, from the moment this returns."""
    holding = threading.Event()

    def hold() -> None:
        writer = tantivy.Index.open(str(path)).writer(15_000_000, 1)
        holding.set()
        time.sleep(seconds)
        writer.wait_merging_threads()  # drops the writer and its lock

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(5)
    return thread


def test_a_write_waits_while_another_writer_holds_the_lock(tmp_path: Path) -> None:
    index = TextIndex(tmp_path, lock_wait=5)
    thread = hold_writer(tmp_path, 0.2)
    started = time.monotonic()
    index.put([record("a", "口述歷史")])
    waited = time.monotonic() - started
    thread.join()
    assert waited >= 0.15
    assert found(index, "歷史") == {"a"}


def test_a_write_gives_up_when_the_lock_stays_busy(tmp_path: Path) -> None:
    index = TextIndex(tmp_path, lock_wait=0.05)
    thread = hold_writer(tmp_path, 0.2)
    with pytest.raises(TextIndexError, match="locked by another writer"):
        index.put([record("a", "口述歷史")])
    thread.join()
    index.put([record("a", "口述歷史")])
    assert len(index) == 1


def test_putting_or_removing_nothing_needs_no_writer(tmp_path: Path) -> None:
    index = TextIndex(tmp_path, lock_wait=0.05)
    index.put([record("a", "口述歷史")])
    thread = hold_writer(tmp_path, 0.1)
    index.put([])
    index.remove(iter(()))
    thread.join()
    assert len(index) == 1
