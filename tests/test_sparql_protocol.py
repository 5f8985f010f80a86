"""/sparql follows the SPARQL 1.1 Protocol (§2.1): the three ways to send a query, the dataset
parameters, status codes, content types and negotiation; over the demo repository."""

from __future__ import annotations

import dataclasses
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from repository import Repository
from repository.config import SparqlSettings
from tests.oai_support import demo_repository

DATASETS = "SELECT ?d WHERE { ?d a dcat:Dataset } ORDER BY ?d"
BASE = "https://yuliao.example.org/"
G1, G2 = f"{BASE}graph/00000001", f"{BASE}graph/00000002"
IN_GRAPH = "SELECT ?d WHERE { ?d a dcat:Dataset }"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("sparql") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def datasets(body: bytes) -> list[str]:
    return [b["d"]["value"] for b in json.loads(body)["results"]["bindings"]]


# -- the three ways to send a query --------------------------------------------------------


def test_get_answers_sparql_json_by_default(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": DATASETS})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert "Accept" in response.vary
    assert len(datasets(response.data)) == 32


def test_form_post_and_direct_post_answer_as_get(client: FlaskClient) -> None:
    expected = datasets(client.get("/sparql", query_string={"query": DATASETS}).data)
    form = client.post("/sparql", data={"query": DATASETS})
    direct = client.post("/sparql", data=DATASETS.encode(),
                         content_type="application/sparql-query; charset=utf-8")
    assert (form.status_code, direct.status_code) == (200, 200)
    assert datasets(form.data) == datasets(direct.data) == expected


@pytest.mark.parametrize("send", ["get", "form", "direct"])
def test_dataset_parameters_are_honoured_however_the_query_comes(client: FlaskClient,
                                                                 send: str) -> None:
    params = [("default-graph-uri", G1), ("default-graph-uri", G2)]
    if send == "get":
        response = client.get("/sparql?" + urllib.parse.urlencode([("query", IN_GRAPH),
                                                                    *params]))
    elif send == "form":
        response = client.post("/sparql", data=urllib.parse.urlencode([("query", IN_GRAPH),
                                                                       *params]),
                               content_type=FORM)
    else:
        response = client.post("/sparql?" + urllib.parse.urlencode(params),
                               data=IN_GRAPH.encode(), content_type="application/sparql-query")
    assert response.status_code == 200
    assert sorted(datasets(response.data)) == [f"{BASE}id/00000001", f"{BASE}id/00000002"]


def test_named_graph_uri_sets_the_named_graphs_and_empties_the_default(client: FlaskClient
                                                                       ) -> None:
    query = "SELECT DISTINCT ?g ?d WHERE { { GRAPH ?g { ?d a dcat:Dataset } } UNION " \
            "{ ?d a dcat:Dataset } }"
    response = client.get("/sparql", query_string={"query": query, "named-graph-uri": G2})
    rows = json.loads(response.data)["results"]["bindings"]
    assert [(r["g"]["value"], r["d"]["value"]) for r in rows] == [(G2, f"{BASE}id/00000002")]


# -- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "kwargs", "status", "message"), [
    ("get", {}, 400, "no query given"),
    ("post", {"data": {"format": "json"}}, 400, "no query given"),
    ("get", {"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "2 queries"),
    ("post", {"data": "ASK {}", "content_type": "text/plain"}, 415, "not text/plain"),
    ("post", {"data": b"ASK {}"}, 415, "not no type"),
    ("get", {"query_string": {"update": "CLEAR ALL"}}, 400, "read-only"),
    ("post", {"data": {"update": "DROP ALL"}}, 400, "read-only"),
    ("post", {"data": "DROP ALL", "content_type": "application/sparql-update"}, 400,
     "read-only"),
    ("get", {"query_string": {"query": "DROP ALL"}}, 400, "DROP at line 1, column 1"),
    ("get", {"query_string": {"query": "LOAD <http://example.org/x.ttl>"}}, 400, "LOAD"),
    ("get", {"query_string": {"query": "SELECT * { SERVICE <http://example.org/sparql> "
                                       "{ ?s ?p ?o } }"}}, 400, "SERVICE"),
    ("get", {"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "error at 1:"),
    ("get", {"query_string": {"query": "ASK {}", "default-graph-uri": "not an iri"}}, 400,
     "not an absolute IRI"),
    ("post", {"data": b"\xff\xfe", "content_type": "application/sparql-query"}, 400,
     "not valid utf-8"),
])
def test_protocol_errors_answer_their_status_with_a_plain_text_reason(
        client: FlaskClient, method: str, kwargs: dict, status: int, message: str) -> None:
    response = getattr(client, method)("/sparql", headers={"Accept": "*/*"}, **kwargs)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert message in response.get_data(as_text=True)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_are_not_allowed(client: FlaskClient, method: str) -> None:
    response = getattr(client, method)("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 405
    assert {"GET", "POST"} <= set(response.allow)


# -- negotiation ----------------------------------------------------------------------------

SELECT, CONSTRUCT = DATASETS, "CONSTRUCT WHERE { ?d a dcat:Dataset }"


@pytest.mark.parametrize(("query", "accept", "media_type"), [
    (SELECT, "application/sparql-results+json", "application/sparql-results+json"),
    (SELECT, "application/sparql-results+xml", "application/sparql-results+xml"),
    (SELECT, "text/csv", "text/csv"),
    (SELECT, "text/tab-separated-values", "text/tab-separated-values"),
    (SELECT, "application/json", "application/sparql-results+json"),
    (SELECT, "text/csv;q=0.5, text/tab-separated-values;q=0.9", "text/tab-separated-values"),
    (SELECT, "text/turtle, */*;q=0.1", "application/sparql-results+json"),
    (SELECT, "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "text/html"),
    (CONSTRUCT, "text/turtle", "text/turtle"),
    (CONSTRUCT, "application/ld+json", "application/ld+json"),
    (CONSTRUCT, "application/rdf+xml", "application/rdf+xml"),
    (CONSTRUCT, "application/n-triples", "application/n-triples"),
    (CONSTRUCT, "*/*", "text/turtle"),
    (CONSTRUCT, "application/sparql-results+xml, application/rdf+xml;q=0.5",
     "application/rdf+xml"),
    ("ASK { ?d a dcat:Dataset }", "application/sparql-results+xml",
     "application/sparql-results+xml"),
])
def test_accept_chooses_the_format(client: FlaskClient, query: str, accept: str,
                                   media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.vary


@pytest.mark.parametrize(("query", "accept"), [
    (SELECT, "text/turtle"), (SELECT, "image/png"), (CONSTRUCT, "text/csv"),
])
def test_nothing_acceptable_is_406_naming_the_formats(client: FlaskClient, query: str,
                                                      accept: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "available:" in response.get_data(as_text=True)


@pytest.mark.parametrize(("query", "fmt", "media_type"), [
    (SELECT, "csv", "text/csv"), (SELECT, "xml", "application/sparql-results+xml"),
    (SELECT, "html", "text/html"), (CONSTRUCT, "jsonld", "application/ld+json"),
    (CONSTRUCT, "xml", "application/rdf+xml"), (CONSTRUCT, "ntriples", "application/n-triples"),
    (CONSTRUCT, "json-ld", "application/ld+json"),
])
def test_the_format_parameter_wins_over_accept(client: FlaskClient, query: str, fmt: str,
                                               media_type: str) -> None:
    response = client.get("/sparql", query_string={"query": query, "format": fmt},
                          headers={"Accept": "application/sparql-results+json"})
    assert (response.status_code, response.mimetype) == (200, media_type)


# -- the page, the cap ----------------------------------------------------------------------


def test_a_browser_without_a_query_gets_the_query_page(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "text/html,*/*;q=0.8"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert page.count("format=html") >= 12
    assert "<code>dcat:</code>" in page and "<code>licence:</code>" in page


def test_the_html_view_shows_the_rows(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": DATASETS, "format": "html"})
    page = response.get_data(as_text=True)
    assert "32 列" in page
    assert f'<a href="{BASE}id/00000001" title="{BASE}id/00000001">' in page


def test_an_answer_over_the_cap_is_cut_and_says_so_in_a_header(repo: Repository) -> None:
    config = dataclasses.replace(repo.config, sparql=SparqlSettings(max_rows=5))
    client = create_app(config, repo).test_client()
    cut = client.get("/sparql", query_string={"query": DATASETS})
    assert cut.headers["Yuliao-Results-Truncated"] == "5"
    assert len(datasets(cut.data)) == 5
    whole = client.get("/sparql", query_string={"query": DATASETS + " LIMIT 5"})
    assert "Yuliao-Results-Truncated" not in whole.headers


def test_the_examples_directory_is_where_the_package_data_glob_looks() -> None:
    package = Path(__file__).resolve().parents[1] / "endpoints"
    assert len(list(package.glob("sparql/*.rq"))) >= 12
    assert list(package.glob("sparql/templates/*.html"))


BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_browser_sees_a_syntax_error_in_the_page_with_its_query_kept(client) -> None:
    from lxml import html

    query = "SELECT ?s WHERE { ?s ?p }"
    response = client.get("/sparql", query_string={"query": query}, headers=BROWSER)
    assert response.status_code == 400 and response.mimetype == "text/html"
    page = html.fromstring(response.data)
    assert page.xpath("string(//textarea)").strip() == query
    assert page.xpath("string(//section[@role='alert']//pre)").strip()
    plain = client.get("/sparql", query_string={"query": query},
                       headers={"Accept": "application/sparql-results+json"})
    assert plain.status_code == 400 and plain.mimetype == "text/plain"


def test_result_tables_show_prefixed_names_and_plain_numbers(client) -> None:
    from lxml import html

    query = ("SELECT (COUNT(*) AS ?n) (<http://purl.org/dc/terms/title> AS ?p) "
             "WHERE { ?s ?x ?o }")
    page = html.fromstring(client.get("/sparql", query_string={"query": query},
                                      headers=BROWSER).data)
    cells = page.xpath("//table//tbody//td")
    assert cells[0].text_content().strip().isdigit()  # no ^^xsd:integer
    link = cells[1].xpath("a")[0]
    assert link.text == "dct:title" and link.get("href") == "http://purl.org/dc/terms/title"
