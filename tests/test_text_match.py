"""Text matching inside SPARQL: yl:titleMatches and yl:textMatches are answered by the text
index, give what a CONTAINS scan gives, keep up with every public change, are refused clearly
when misused, and never reach working data."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from rdflib import Literal

from app import create_app
from repository import Config, Repository
from repository.sparql import QueryLimits, QueryRefused
from repository.text_match import DEFAULT_HITS, MAX_HITS, TextMatching, expand
from repository.textindex import TextDocument, TextIndex
from tests.oai_support import dataset, demo_repository
from vocab.namespaces import DCT

JSON = {"Accept": "application/sparql-results+json"}
BASE = "https://example.org/id/"


@pytest.fixture(scope="module")
def index() -> TextIndex:
    """An in-memory index of three datasets."""
    index = TextIndex(None)
    index.put([
        TextDocument("1", f"{BASE}1", ("客家口述歷史訪談", "Hakka oral history"), ()),
        TextDocument("2", f"{BASE}2", ("族語教材",), ("口述歷史的逐字稿", "oral")),
        TextDocument("3", f"{BASE}3", ("新聞語料",), ()),
    ])
    return index


def values_of(query: str, index: TextIndex) -> str:
    expanded = expand(query, index.search).query
    return expanded[expanded.index("VALUES"):expanded.index("}") + 1]


# -- the rewriting -----------------------------------------------------------------------------


@pytest.mark.parametrize("pattern", [
    '?d yl:titleMatches "口述歷史" .',
    '?d <https://w3id.org/yuliao/ns#titleMatches> "口述歷史" .',
    "?d yl:titleMatches '口述歷史' .",
    '?d yl:titleMatches """口述歷史""" .',
    '?d yl:titleMatches "口述歷史"@zh-Hant .',
    '?d yl:titleMatches "\\u53E3\\u8FF0歷史" .',
    '?d yl:titleMatches ("口述歷史" 5) .',
    '?d yl:titleMatches "口述歷史" }',
])
def test_every_written_form_of_a_title_pattern_becomes_the_same_values(index, pattern) -> None:
    query = f"SELECT ?d WHERE {{ {pattern}" + ("" if pattern.endswith("}") else " }")
    assert values_of(query, index) == f"VALUES ?d {{ <{BASE}1> }}"


def test_a_pattern_followed_by_more_predicates_of_its_subject_keeps_them(index) -> None:
    query = 'SELECT ?d ?t { ?d yl:titleMatches "口述歷史" ; dct:title ?t }'
    expanded = expand(query, index.search).query
    assert expanded == f"SELECT ?d ?t {{ VALUES ?d {{ <{BASE}1> }} ?d dct:title ?t }}"


def test_a_prefix_of_the_query_own_naming_our_namespace_is_understood(index) -> None:
    query = 'PREFIX y: <https://w3id.org/yuliao/ns#> SELECT ?d { ?d y:textMatches "口述歷史" }'
    assert set(values_of(query, index).split()) >= {f"<{BASE}1>", f"<{BASE}2>"}


def test_text_matches_reads_descriptions_and_keywords_too(index) -> None:
    assert values_of('SELECT ?d { ?d yl:titleMatches "oral" }', index) == \
        f"VALUES ?d {{ <{BASE}1> }}"
    found = values_of('SELECT ?d { ?d yl:textMatches "oral" }', index)
    assert f"<{BASE}1>" in found and f"<{BASE}2>" in found


def test_the_properties_inside_strings_and_comments_are_left_alone(index) -> None:
    query = ('SELECT ?d { # ?d yl:titleMatches "x" .\n'
             '?d dct:title "?d yl:titleMatches \\"x\\" ." }')
    assert expand(query, index.search).query == query


def test_a_pattern_with_no_match_gives_an_empty_values(index) -> None:
    assert values_of('SELECT ?d { ?d yl:titleMatches "不存在的詞" }', index) == "VALUES ?d {  }"


@pytest.mark.parametrize(("query", "problem"), [
    ('SELECT * { ?d dct:title ?t ; yl:titleMatches "x" }', "subject must be a variable"),
    ('SELECT * { <https://example.org/id/1> yl:titleMatches "x" }', "subject must be a variable"),
    ("SELECT * { ?d yl:titleMatches ?text }", "object must be"),
    ('SELECT * { ?d yl:titleMatches "x" , "y" }', "must end with"),
    ('SELECT * { ?d yl:titleMatches "x" dct:title ?t }', "must end with"),
    ('SELECT * { ?d yl:titleMatches ("x" 0) }', f"from 1 to {MAX_HITS}"),
    (f'SELECT * {{ ?d yl:titleMatches ("x" {MAX_HITS + 1}) }}', f"from 1 to {MAX_HITS}"),
    ('SELECT * { ?d yl:textMatches "，。" }', "cannot search for"),
])
def test_a_text_property_used_otherwise_is_refused_with_its_place(index, query, problem) -> None:
    with pytest.raises(QueryRefused, match=problem) as refused:
        expand(query, index.search)
    assert "line 1, column" in str(refused.value)


def test_an_answer_is_marked_truncated_only_when_the_default_draw_left_matches_out() -> None:
    index = TextIndex(None)
    index.put([TextDocument(str(n), f"{BASE}{n}", (f"語料 {n}",), ())
               for n in range(DEFAULT_HITS + 1)])
    assert expand('SELECT ?d { ?d yl:titleMatches "語料" }', index.search).truncated
    assert not expand('SELECT ?d { ?d yl:titleMatches ("語料" 10) }', index.search).truncated
    assert not expand(f'SELECT ?d {{ ?d yl:titleMatches ("語料" {MAX_HITS}) }}',
                      index.search).truncated


# -- through the repository and /sparql --------------------------------------------------------


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("text-match") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def datasets(client: FlaskClient, query: str) -> set[str]:
    response = client.get("/sparql", query_string={"query": query}, headers=JSON)
    assert response.status_code == 200, response.text
    return {row["d"]["value"] for row in response.json["results"]["bindings"]}


@pytest.mark.parametrize("text", ["語料", "語", "客語", "Corpus", "corpus"])
def test_title_matches_finds_the_datasets_a_contains_scan_finds(client, text) -> None:
    matched = datasets(client, f'SELECT ?d {{ ?d yl:titleMatches "{text}" }}')
    scanned = datasets(client, f"""SELECT DISTINCT ?d {{ ?d a dcat:Dataset ; dct:title ?t
        FILTER(REGEX(?t, "(^|[^A-Za-z]){text}([^A-Za-z]|$)", "i")) }}""")
    assert matched == scanned and matched


def test_records_that_are_not_public_are_never_matched(repo, client) -> None:
    hidden = "00009203"  # a draft of the demo data
    title = next(str(t) for t in repo.get(hidden).graph.objects(repo.ids.resource(hidden),
                                                                 DCT.title))
    assert str(repo.ids.resource(hidden)) not in datasets(
        client, f'SELECT ?d {{ ?d yl:titleMatches "{title[:6]}" }}')


def test_the_text_index_follows_publication_withdrawal_and_rebuilding(tmp_path: Path) -> None:
    with Repository(Config(home=tmp_path / "home")) as repo:
        search = TextMatching(repo.public, repo.text_index.search)

        def found(text: str) -> set[str]:
            answer = search.evaluate(f'SELECT ?d {{ ?d yl:titleMatches "{text}" }}',
                                     limits=QueryLimits())
            return {str(row["d"]) for row in answer.rows}

        record = dataset(repo, "00000001", "阿美族語歌謠")
        repo.save_batch([record], publish=True)
        iri = str(repo.ids.resource("00000001"))
        assert found("族語歌謠") == {iri}
        record.graph.set((repo.ids.resource("00000001"), DCT.title,
                          Literal("排灣族語故事", lang="zh-Hant-TW")))
        repo.save_batch([record], publish=False)  # a new revision, not yet public
        assert found("族語歌謠") == {iri} and found("族語故事") == set()
        repo.publish("00000001")
        assert found("族語歌謠") == set() and found("族語故事") == {iri}
        repo.withdraw("00000001")
        assert found("族語故事") == set()
        repo.save_batch([dataset(repo, "00000002", "賽夏族語詞彙")], publish=True)
        repo.text_index.replace_all([])  # lost: a reindex brings it back
        repo.reindex()
        assert found("族語詞彙") == {str(repo.ids.resource("00000002"))}


def test_a_home_without_a_text_index_gets_one_when_opened(tmp_path: Path) -> None:
    config = Config(home=tmp_path / "home")
    with Repository(config) as repo:
        repo.save_batch([dataset(repo, "00000001", "阿美族語歌謠")], publish=True)
        repo.text_index.replace_all([])
    with Repository(config) as repo:
        assert repo.text_index.search("歌謠", "title", 10).iris == (
            str(repo.ids.resource("00000001")),)
