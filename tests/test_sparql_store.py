"""Store.evaluate and the lexical safety check: what a read-only query may do on the embedded
store, over which dataset, within which limits."""

from __future__ import annotations

import gc
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from rdflib import BNode, Literal, URIRef

from repository.sparql import (
    MAX_QUERY_CHARS,
    QUERY_PREFIXES,
    Boolean,
    Dataset,
    QueryLimits,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Solutions,
    Triples,
    check_read_only,
    has_dataset_clause,
    keywords,
    line_column,
)
from repository.store import Store

A, B, C = (URIRef(f"http://example.org/graph/{n}") for n in "abc")
P = URIRef("http://example.org/p")


@pytest.fixture
def store() -> Store:
    """Three named graphs, one triple each, and nothing in the default graph."""
    store = Store()
    store.replace({g: [(g, P, Literal(f"in {g[-1]}"))] for g in (A, B, C)})
    return store


def values(answer: Solutions, name: str = "o") -> set[str]:
    return {str(row[name]) for row in answer.rows if name in row}


def run(store: Store, query: str, dataset: Dataset | None = None, **limits) -> Solutions:
    answer = store.evaluate(query, limits=QueryLimits(**limits), dataset=dataset)
    assert isinstance(answer, Solutions)
    return answer


# -- the lexical check ---------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "INSERT DATA { <a:s> <a:p> <a:o> }",
    "PREFIX ex: <http://e/> DELETE WHERE { ?s ?p ?o }",
    "LOAD <http://example.org/data.ttl>",
    "CLEAR ALL", "DROP GRAPH <a:g>", "CREATE GRAPH <a:g>", "ADD <a:g> TO <a:h>",
    "MOVE DEFAULT TO <a:g>", "COPY <a:g> TO <a:h>",
    "WITH <a:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    "SELECT * WHERE { SERVICE <http://dbpedia.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o } ; INSERT DATA { <a:s> <a:p> <a:o> }",
    "SELECT * WHERE { FILTER(?a<?b) SERVICE<http://x/>{ ?s ?p ?o } }",
])
def test_updates_and_service_are_refused_naming_the_keyword(query: str) -> None:
    refusal = r"(?i)at line 1, column \d+: this endpoint is read-only"
    with pytest.raises(QueryRefused, match=refusal):
        check_read_only(query)


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "INSERT DATA and DROP GRAPH" }',
    "SELECT * WHERE { ?s ?p '''LOAD\nSERVICE''' }",
    "SELECT * WHERE { ?s <http://example.org/service/delete> ?o }",
    "SELECT * WHERE { ?s ?p ?o } # DELETE everything\n",
    "SELECT ?insert ?delete $load WHERE { ?insert ?delete ?load }",
    "PREFIX drop: <http://e/> SELECT * WHERE { ?s drop:add ?o ; :copy ?c }",
    'SELECT * WHERE { ?s ?p "x"@load }',
    "SELECT * WHERE { _:create ?p ?o }",
])
def test_the_words_inside_strings_iris_comments_and_names_are_allowed(query: str) -> None:
    assert check_read_only(query) == query


def test_an_empty_query_is_refused() -> None:
    with pytest.raises(QueryRefused, match="empty"):
        check_read_only("  \n\t")


def test_keywords_carry_where_they_are() -> None:
    query = "SELECT *\nWHERE {\n  ?s ?p ?o }"
    found = [(k.word, line_column(query, k.offset)) for k in keywords(query)]
    assert found == [("SELECT", (1, 1)), ("WHERE", (2, 1))]


def test_the_scan_of_a_long_query_is_fast() -> None:
    query = "SELECT * WHERE {\n" + "  ?s dct:title 'x' ; a dcat:Dataset .\n" * 2500 + "}"
    started = time.monotonic()
    assert check_read_only(query) == query and len(query) <= MAX_QUERY_CHARS
    assert time.monotonic() - started < 0.5


@pytest.mark.parametrize(("query", "expected"), [
    ("SELECT * FROM <a:g> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <a:g> { GRAPH ?g { ?s ?p ?o } }", True),
    ("SELECT ?from WHERE { ?from <http://e/from> 'FROM' }", False),
])
def test_dataset_clauses_are_found_lexically(query: str, expected: bool) -> None:
    assert has_dataset_clause(query) is expected


# -- parsing and evaluating ----------------------------------------------------------------


def test_a_syntax_error_carries_the_parsers_position(store: Store) -> None:
    with pytest.raises(QuerySyntaxError, match=r"1:\d+") as raised:
        store.evaluate("SELECT * WHERE { ?s ?p }", limits=QueryLimits())
    assert raised.value.status == 400


def test_an_update_is_refused_before_the_parser_sees_it(store: Store) -> None:
    with pytest.raises(QueryRefused, match="read-only") as raised:
        store.evaluate("DELETE WHERE { ?s ?p ?o }", limits=QueryLimits())
    assert raised.value.status == 400
    assert len(store) == 3


def test_the_predeclared_prefixes_need_no_declaration(store: Store) -> None:
    answer = run(store, "SELECT ?t WHERE { BIND(dcat:Dataset AS ?t) }")
    assert answer.rows == [{"t": URIRef(QUERY_PREFIXES["dcat"] + "Dataset")}]


def test_a_query_prefix_wins_over_a_predeclared_one(store: Store) -> None:
    answer = run(store, "PREFIX dct: <http://other/> SELECT ?t WHERE { BIND(dct:x AS ?t) }")
    assert answer.rows == [{"t": URIRef("http://other/x")}]


def test_terms_come_back_as_rdflib_terms_in_bcp47_case(store: Store) -> None:
    answer = run(store, 'SELECT ?l ?n ?s ?u WHERE { BIND("臺灣"@zh-hant-tw AS ?l) '
                        'BIND(42 AS ?n) BIND("x" AS ?s) }')
    assert answer.variables == ["l", "n", "s", "u"]
    assert answer.rows == [{"l": Literal("臺灣", lang="zh-Hant-TW"), "n": Literal(42),
                            "s": Literal("x")}]


def test_ask_and_construct_answers(store: Store) -> None:
    assert store.evaluate("ASK { ?s ?p 'in a' }", limits=QueryLimits()) == Boolean(True)
    answer = store.evaluate("CONSTRUCT { [] <http://e/from> ?g } WHERE { GRAPH ?g { ?s ?p ?o } }",
                            limits=QueryLimits())
    assert isinstance(answer, Triples) and len(answer.triples) == 3
    assert all(isinstance(s, BNode) for s, _, _ in answer.triples)


def test_a_triple_term_in_an_answer_is_refused(store: Store) -> None:
    with pytest.raises(QueryRefused, match="triple term"):
        run(store, "SELECT (<<( ?s ?p ?o )>> AS ?t) WHERE { ?s ?p ?o }")


# -- the dataset ---------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "dataset", "expected"), [
    # no dataset anywhere: the default graph is the union of the named graphs
    ("SELECT ?o { ?s ?p ?o }", None, {"in a", "in b", "in c"}),
    # FROM in the query: that graph is the default graph (pyoxigraph would ignore it with
    # use_default_graph_as_union, so evaluate does not set it then)
    (f"SELECT ?o FROM <{A}> {{ ?s ?p ?o }}", None, {"in a"}),
    (f"SELECT ?o FROM <{A}> FROM <{B}> {{ ?s ?p ?o }}", None, {"in a", "in b"}),
    # FROM NAMED alone: the default graph is empty
    (f"SELECT ?o FROM NAMED <{A}> {{ ?s ?p ?o }}", None, set()),
    # the protocol's default-graph-uri replaces the query's FROM
    (f"SELECT ?o FROM <{A}> {{ ?s ?p ?o }}", Dataset(default_graphs=(B,)), {"in b"}),
    # named-graph-uri alone: the default graph is empty
    ("SELECT ?o { ?s ?p ?o }", Dataset(named_graphs=(A,)), set()),
    ("SELECT ?o { ?s ?p ?o }", Dataset(default_graphs=(A, C)), {"in a", "in c"}),
])
def test_the_default_graph(store: Store, query: str, dataset: Dataset | None,
                           expected: set[str]) -> None:
    assert values(run(store, query, dataset)) == expected


@pytest.mark.parametrize(("query", "dataset", "expected"), [
    ("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", None, {str(A), str(B), str(C)}),
    (f"SELECT ?g FROM NAMED <{A}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", None, {str(A)}),
    # FROM alone: no named graphs
    (f"SELECT ?g FROM <{A}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", None, set()),
    # the protocol's named-graph-uri replaces FROM NAMED
    (f"SELECT ?g FROM NAMED <{A}> {{ GRAPH ?g {{ ?s ?p ?o }} }}", Dataset(named_graphs=(B,)),
     {str(B)}),
    # default-graph-uri alone: no named graphs
    ("SELECT ?g { GRAPH ?g { ?s ?p ?o } }", Dataset(default_graphs=(A,)), set()),
])
def test_the_named_graphs(store: Store, query: str, dataset: Dataset | None,
                          expected: set[str]) -> None:
    assert values(run(store, query, dataset), "g") == expected


# -- limits --------------------------------------------------------------------------------


def test_an_answer_over_the_row_cap_is_cut_and_says_so(store: Store) -> None:
    cut = run(store, "SELECT ?o { ?s ?p ?o }", max_rows=2)
    assert len(cut.rows) == 2 and cut.truncated
    whole = run(store, "SELECT ?o { ?s ?p ?o }", max_rows=3)
    assert len(whole.rows) == 3 and not whole.truncated


def test_a_construct_over_the_cap_is_cut(store: Store) -> None:
    answer = store.evaluate("CONSTRUCT WHERE { ?s ?p ?o }", limits=QueryLimits(max_rows=1))
    assert isinstance(answer, Triples) and len(answer.triples) == 1 and answer.truncated


def test_a_streaming_cross_product_stops_at_the_deadline() -> None:
    store = Store()
    store.replace({A: [(URIRef(f"http://e/{i}"), P, Literal(i)) for i in range(300)]})
    heavy = "SELECT ?a { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # 27 million rows, streamed
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match="time limit of 0.3 s") as raised:
        store.evaluate(heavy, limits=QueryLimits(seconds=0.3, max_rows=10**6))
    assert time.monotonic() - started < 1.5
    assert raised.value.status == 503


def test_a_timeout_raised_in_a_worker_drops_no_iterator_in_the_catching_thread() -> None:
    """pyoxigraph iterators must be dropped in their own thread; the error that reaches the
    request thread must not carry them (pytest's unraisable-exception check fails otherwise)."""
    store = Store()
    store.replace({A: [(URIRef(f"http://e/{i}"), P, Literal(i)) for i in range(100)]})
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(store.evaluate, "SELECT ?a { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }",
                             limits=QueryLimits(seconds=0.1, max_rows=10**6))
        with pytest.raises(QueryTimeout):
            future.result()
        del future
    gc.collect()
