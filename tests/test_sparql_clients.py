"""Real SPARQL clients against /sparql on a real HTTP server on 127.0.0.1: SPARQLWrapper and
rdflib's SPARQLStore get the store's own answers in every result format and request method;
the time limit stops a heavy query while another client's query still answers promptly."""

from __future__ import annotations

import dataclasses
import io
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pyoxigraph
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from rdflib.query import Result
from SPARQLWrapper import (
    CSV,
    JSON,
    JSONLD,
    N3,
    POST,
    POSTDIRECTLY,
    RDFXML,
    TSV,
    TURTLE,
    XML,
    SPARQLWrapper,
)

from repository import Repository
from repository.config import SparqlSettings
from repository.sparql import QueryLimits, Solutions, Triples
from repository.store import to_rdflib
from tests.oai_support import demo_repository, serving

SELECT = """SELECT ?d ?title ?size WHERE {
  ?d a dcat:Dataset ; dct:title ?title .
  OPTIONAL { ?d dcat:distribution/dcat:byteSize ?size }
} ORDER BY ?d ?title ?size"""
ASK = "ASK { ?d dct:language lexvo:hak }"
CONSTRUCT = """CONSTRUCT { ?d dct:title ?title ; dct:language ?l ; dct:issued ?issued }
WHERE { ?d a dcat:Dataset ; dct:title ?title . OPTIONAL { ?d dct:language ?l }
        OPTIONAL { ?d dct:issued ?issued } }"""
DESCRIBE = "DESCRIBE <https://yuliao.example.org/id/00001174>"
#: Every variable bound in every row, so that CSV/TSV rows compare position by position.
BOUND = "SELECT ?d ?title WHERE { ?d a dcat:Dataset ; dct:title ?title } ORDER BY ?d ?title"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("clients") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def endpoint(repo: Repository) -> Iterator[str]:
    with serving(repo) as oai:
        yield oai.removesuffix("/oai") + "/sparql"


def solutions(repo: Repository, query: str) -> list[tuple]:
    answer = repo.public.evaluate(query, limits=QueryLimits())
    assert isinstance(answer, Solutions)
    return [tuple(row.get(v) for v in answer.variables) for row in answer.rows]


def graph(repo: Repository, query: str) -> Graph:
    answer = repo.public.evaluate(query, limits=QueryLimits())
    assert isinstance(answer, Triples)
    result = Graph()
    for triple in answer.triples:
        result.add(triple)
    return result


def wrapper(endpoint: str, query: str, fmt: str, method: str = "GET") -> SPARQLWrapper:
    client = SPARQLWrapper(endpoint, returnFormat=fmt)
    client.setQuery(query)
    if method == "POST":
        client.setMethod(POST)
    elif method == "POSTDIRECTLY":
        client.setMethod(POST)
        client.setRequestMethod(POSTDIRECTLY)
    return client


def json_rows(document: dict) -> list[tuple]:
    names = document["head"]["vars"]
    return [tuple(_json_term(b.get(n)) for n in names) for b in document["results"]["bindings"]]


def _json_term(value: dict | None):
    if value is None:
        return None
    if value["type"] == "uri":
        return URIRef(value["value"])
    return Literal(value["value"], lang=value.get("xml:lang"),
                   datatype=value.get("datatype"))


# -- SPARQLWrapper --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POSTDIRECTLY"])
def test_sparqlwrapper_select_as_json_by_every_method(endpoint: str, repo: Repository,
                                                      method: str) -> None:
    document = wrapper(endpoint, SELECT, JSON, method).query().convert()
    assert json_rows(document) == solutions(repo, SELECT)


def test_sparqlwrapper_select_as_xml(endpoint: str, repo: Repository) -> None:
    dom = wrapper(endpoint, SELECT, XML).query().convert()
    rows = Result.parse(io.BytesIO(dom.toxml("utf-8")), format="xml")
    assert [tuple(row) for row in rows] == solutions(repo, SELECT)


@pytest.mark.parametrize(("fmt", "parser"), [(CSV, "csv"), (TSV, "tsv")])
def test_sparqlwrapper_select_as_csv_and_tsv(endpoint: str, repo: Repository, fmt: str,
                                             parser: str) -> None:
    data = wrapper(endpoint, BOUND, fmt).query().convert()
    rows = [tuple(row) for row in Result.parse(io.BytesIO(data), format=parser)]
    expected = solutions(repo, BOUND)
    if parser == "csv":  # CSV carries no language tags or datatypes
        expected = [tuple(Literal(str(t)) if isinstance(t, Literal) else t for t in row)
                    for row in expected]
    assert rows == expected


@pytest.mark.parametrize("fmt", [JSON, XML])
def test_sparqlwrapper_ask(endpoint: str, fmt: str) -> None:
    answer = wrapper(endpoint, ASK, fmt).query().convert()
    value = answer["boolean"] if fmt == JSON else \
        answer.getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert value is True


#: SPARQLWrapper's return format → the media type it must get and rdflib's parser for it.
#: (SPARQLWrapper's own convert() parses RDF/XML and JSON-LD into a ConjunctiveGraph, which
#: rdflib 7 deprecates; the bytes are parsed here instead.)
GRAPH_FORMATS = {TURTLE: ("text/turtle", "turtle"), N3: ("text/turtle", "turtle"),
                 RDFXML: ("application/rdf+xml", "xml"), XML: ("application/rdf+xml", "xml"),
                 JSONLD: ("application/ld+json", "json-ld")}


@pytest.mark.parametrize("fmt", list(GRAPH_FORMATS))
@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
def test_sparqlwrapper_construct_and_describe(endpoint: str, repo: Repository, fmt: str,
                                              query: str) -> None:
    media_type, parser = GRAPH_FORMATS[fmt]
    response = wrapper(endpoint, query, fmt).query().response
    assert response.headers["Content-Type"].split(";")[0] == media_type
    assert isomorphic(parse_rdf(response.read(), parser), graph(repo, query))


def parse_rdf(data: bytes, parser: str) -> Graph:
    """rdflib parses, except JSON-LD: rdflib 7.6's JSON-LD parser trips its own
    ConjunctiveGraph DeprecationWarning, so Oxigraph reads that one."""
    if parser != "json-ld":
        return Graph().parse(data=data, format=parser)
    result = Graph()
    for quad in pyoxigraph.parse(data, format=pyoxigraph.RdfFormat.JSON_LD):
        result.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return result


# -- rdflib SPARQLStore ---------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
@pytest.mark.parametrize("fmt", ["xml", "json", "csv", "tsv"])
def test_sparqlstore_select_in_every_format_and_method(endpoint: str, repo: Repository,
                                                       fmt: str, method: str) -> None:
    store = SPARQLStore(endpoint, returnFormat=fmt, method=method)
    rows = [tuple(row) for row in store.query(BOUND)]
    expected = solutions(repo, BOUND)
    if fmt == "csv":
        expected = [tuple(Literal(str(t)) if isinstance(t, Literal) else t for t in row)
                    for row in expected]
    assert rows == expected


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_sparqlstore_ask(endpoint: str, fmt: str) -> None:
    assert SPARQLStore(endpoint, returnFormat=fmt).query(ASK).askAnswer is True


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE])
def test_sparqlstore_construct_and_describe(endpoint: str, repo: Repository,
                                            query: str) -> None:
    result = SPARQLStore(endpoint).query(query)
    assert isomorphic(result.graph, graph(repo, query))


def test_sparqlstore_through_an_rdflib_graph(endpoint: str, repo: Repository) -> None:
    remote = Graph(store=SPARQLStore(endpoint))
    titles = set(remote.objects(URIRef("https://yuliao.example.org/id/00001174"),
                                URIRef("http://purl.org/dc/terms/title")))
    assert titles == {Literal("領域資料標準", lang="zh-Hant-TW"),
                      Literal("Domain data standards", lang="en")}


# -- the time limit ------------------------------------------------------------------------

HEAVY = "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # (2000 triples)^3, streamed
SIMPLE = "ASK { ?d a dcat:Dataset }"


def fetch(url: str, query: str) -> tuple[int, str, float]:
    started = time.monotonic()
    request = urllib.request.Request(f"{url}?{urllib.parse.urlencode({'query': query})}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read().decode()
    return status, body, time.monotonic() - started


@pytest.fixture
def limited(repo: Repository, request: pytest.FixtureRequest) -> Iterator[str]:
    settings = SparqlSettings(time_limit=1.0, max_rows=1_000_000, workers=request.param)
    with serving(repo, dataclasses.replace(repo.config, sparql=settings)) as oai:
        yield oai.removesuffix("/oai") + "/sparql"


def in_background(url: str, query: str) -> tuple[threading.Thread, list]:
    outcome: list = []
    thread = threading.Thread(target=lambda: outcome.append(fetch(url, query)))
    thread.start()
    return thread, outcome


@pytest.mark.parametrize("limited", [2], indirect=True)
def test_a_heavy_query_is_stopped_at_the_limit_while_a_simple_one_answers(limited: str
                                                                          ) -> None:
    thread, heavy = in_background(limited, HEAVY)
    time.sleep(0.2)
    status, body, elapsed = fetch(limited, SIMPLE)
    assert (status, '"boolean": true' in body) == (200, True)
    assert elapsed < 0.5
    thread.join(timeout=10)
    status, body, elapsed = heavy[0]
    assert status == 503
    assert body == "the query ran past the time limit of 1 s and was stopped\n"
    assert 0.9 < elapsed < 2.5


@pytest.mark.parametrize("limited", [1], indirect=True)
def test_a_query_waits_for_a_busy_worker_within_its_own_limit(limited: str) -> None:
    thread, heavy = in_background(limited, HEAVY)
    time.sleep(0.7)  # the simple query has 0.7 s of its own limit left once the heavy one is
    # stopped, for the worker's replacement (slower on a busy machine). How long it waits
    # depends on when the heavy one reached the worker, which a busy machine delays: what
    # must hold is that it is answered, within its own limit.
    status, _, elapsed = fetch(limited, SIMPLE)
    thread.join(timeout=10)
    heavy_status, heavy_body, _ = heavy[0]
    assert heavy_status == 503 and "time limit of 1 s" in heavy_body
    assert status == 200 and elapsed < 1.0
