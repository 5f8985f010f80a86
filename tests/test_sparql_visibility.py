"""No query reaches working data: with drafts, records under review and an unpublished new
revision of a published record in the store, no query form, dataset clause or protocol dataset
returns any of their triples."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from rdflib import Literal

from app import create_app
from repository import Repository
from repository.sparql import QueryLimits
from tests.oai_support import demo_repository
from vocab.namespaces import DCT

#: Demo records that are not public: draft, in review (agency, platform), in revision.
HIDDEN = ("00009203", "00009127", "00001182", "00009128")
EDITED = "00000002"
SECRET_TITLE = "尚未審核的新標題 unreviewed new title"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("visibility") / "home") as repository:
        edited = repository.get(EDITED)
        edited.graph.add((repository.ids.resource(EDITED), DCT.title,
                          Literal(SECRET_TITLE, lang="zh-Hant-TW")))
        repository.put(edited)  # a new revision in the work area only
        yield repository


@pytest.fixture(scope="module")
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def hidden_markers(repo: Repository) -> list[str]:
    """Strings that only working data holds: graph and resource IRIs of the hidden records,
    their titles, and the unpublished title."""
    markers = [SECRET_TITLE]
    for local_id in HIDDEN:
        markers += [str(repo.ids.graph(local_id)), str(repo.ids.resource(local_id))]
        record = repo.get(local_id)
        markers += [str(t) for t in record.graph.objects(repo.ids.resource(local_id), DCT.title)]
    return markers


def test_the_working_area_really_holds_what_must_stay_hidden(repo: Repository) -> None:
    work = repo.work.evaluate("SELECT ?t { ?d dct:title ?t }", limits=QueryLimits())
    titles = {str(row["t"]) for row in work.rows}
    assert SECRET_TITLE in titles
    assert all(repo.work.has_graph(repo.ids.graph(i)) for i in HIDDEN)


GRAPH_1 = "https://yuliao.example.org/graph/00009203"
GRAPH_2 = "https://yuliao.example.org/graph/00001182"
RESOURCE = "https://yuliao.example.org/id/00009127"
QUERIES = [
    ("SELECT * WHERE { ?s ?p ?o }", []),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", []),
    (f"SELECT * FROM NAMED <{GRAPH_1}> FROM NAMED <{GRAPH_2}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
     []),
    (f"SELECT * FROM <{GRAPH_1}> WHERE {{ ?s ?p ?o }}", []),
    (f"SELECT * WHERE {{ GRAPH <{GRAPH_1}> {{ ?s ?p ?o }} }}", []),
    ("SELECT * WHERE { ?s ?p ?o }", [("default-graph-uri", GRAPH_1),
                                      ("default-graph-uri", GRAPH_2)]),
    ("SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", [("named-graph-uri", GRAPH_1),
                                                   ("named-graph-uri", GRAPH_2)]),
    ("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", []),
    (f"DESCRIBE <{RESOURCE}>", []),
    (f"SELECT ?p ?o WHERE {{ <{RESOURCE}> ?p ?o }}", []),
    ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", []),
]


@pytest.mark.parametrize(("query", "dataset"), QUERIES)
def test_no_query_returns_working_data(client: FlaskClient, repo: Repository, query: str,
                                       dataset: list[tuple[str, str]]) -> None:
    params = urllib.parse.urlencode([("query", query), *dataset])
    response = client.get(f"/sparql?{params}", headers={"Accept": "application/n-triples, "
                                                        "application/sparql-results+json"})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if response.mimetype.endswith("json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    leaked = [marker for marker in hidden_markers(repo) if marker in text]
    assert leaked == []


def test_the_published_revision_stays_visible_while_its_edit_is_reviewed(
        client: FlaskClient, repo: Repository) -> None:
    query = f"SELECT ?t WHERE {{ <{repo.ids.resource(EDITED)}> dct:title ?t }}"
    response = client.get("/sparql", query_string={"query": query})
    titles = {b["t"]["value"] for b in json.loads(response.data)["results"]["bindings"]}
    assert titles and SECRET_TITLE not in titles
