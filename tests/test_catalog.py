"""/.well-known/void and /catalog over the demo repository: counts that match the public area,
published datasets only, paging, content negotiation, and DCAT-AP conformance."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pyoxigraph
import pytest
from flask.testing import FlaskClient
from lxml import etree
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

import endpoints.catalog
from app import create_app
from repository import Config, Repository
from repository.records import Source
from repository.store import to_rdflib
from tests.conftest import shared_path
from tests.oai_support import dataset, demo_repository
from vocab.namespaces import DCAT, DCT, FOAF, RDF_, XSD, YL

BASE = "https://yuliao.example.org/"
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
OAI = "http://www.openarchives.org/OAI/2.0/"
HIDDEN = ("00009203", "00009127", "00001182", "00009128", "00000026")
RDF_FORMATS = {"text/turtle": pyoxigraph.RdfFormat.TURTLE,
               "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
               "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
               "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES}
MODULAR = ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "deprecateduris.ttl")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("catalog") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def client(repo: Repository) -> FlaskClient:
    return create_app(repository=repo).test_client()


def parse(data: bytes, media_type: str) -> Graph:
    """Oxigraph reads every format (rdflib 7.6's JSON-LD parser warns about itself)."""
    graph = Graph()
    for quad in pyoxigraph.parse(data, format=RDF_FORMATS[media_type]):
        graph.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return graph


def fetch(client: FlaskClient, path: str, accept: str = "text/turtle") -> Graph:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == accept and "Accept" in response.vary
    return parse(response.data, accept)


def records_triples(repo: Repository) -> int:
    """The public area's triples apart from the stored VoID description."""
    return len(repo.public) - len(repo.public.graph(repo.ids.description))


def published(repo: Repository) -> set[URIRef]:
    return {record_resource for record_resource in (
        repo.ids.resource(i) for i in repo.local_ids(public=True) if i not in HIDDEN)}


# -- VoID -----------------------------------------------------------------------------------


def test_void_counts_match_the_public_area(client: FlaskClient, repo: Repository) -> None:
    void = fetch(client, "/.well-known/void")
    dataset = URIRef(f"{BASE}void#dataset")
    assert (dataset, RDF_.type, URIRef(VOID + "Dataset")) in void
    assert void.value(dataset, URIRef(VOID + "triples")) == Literal(records_triples(repo),
                                                                   datatype=XSD.integer)
    assert void.value(dataset, URIRef(VOID + "entities")) == Literal(len(published(repo)),
                                                                    datatype=XSD.integer)
    assert void.value(dataset, URIRef(VOID + "sparqlEndpoint")) == URIRef(f"{BASE}sparql")
    assert void.value(dataset, URIRef(VOID + "uriSpace")) == Literal(f"{BASE}id/")
    assert URIRef(str(DCAT.Dataset).split("Dataset")[0]) in set(
        void.objects(dataset, URIRef(VOID + "vocabulary")))


def set_subsets(void: Graph) -> dict[str, URIRef]:
    """The VoID subsets that stand for OAI-PMH sets, by setSpec."""
    return {str(void.value(subset, YL.setSpec)): subset
            for subset in void.objects(URIRef(f"{BASE}void#dataset"), URIRef(VOID + "subset"))
            if void.value(subset, YL.setSpec) is not None}


def oai_live_identifiers(client: FlaskClient, spec: str) -> set[str]:
    """The identifiers of the records not deleted that /oai lists in set ``spec``."""
    found, arguments = set(), f"verb=ListIdentifiers&metadataPrefix=oai_dc&set={spec}"
    while arguments:
        root = etree.fromstring(client.get(f"/oai?{arguments}").data)
        found |= {header.findtext(f"{{{OAI}}}identifier")
                  for header in root.iter(f"{{{OAI}}}header") if header.get("status") is None}
        token = root.findtext(f".//{{{OAI}}}resumptionToken")
        arguments = f"verb=ListIdentifiers&resumptionToken={token}" if token else ""
    return found


def test_void_has_a_subset_per_oai_set_sized_as_the_provider_lists_it(
        client: FlaskClient, turtle: dict[str, Graph]) -> None:
    void = turtle["/.well-known/void"]
    subsets = set_subsets(void)
    root = etree.fromstring(client.get("/oai?verb=ListSets").data)
    children = {spec for spec in (s.text for s in root.iter(f"{{{OAI}}}setSpec")) if ":" in spec}
    assert set(subsets) == children and {"language:nan", "licence:CC0-1.0"} <= children
    for spec, subset in subsets.items():
        size = void.value(subset, URIRef(VOID + "entities"))
        assert size == Literal(len(oai_live_identifiers(client, spec)), datatype=XSD.integer)
        assert str(void.value(subset, FOAF.page)).endswith(f"&set={spec}")
        assert set(void.objects(subset, DCT.title))
    assert set(void.objects(subsets["language:nan"], DCT.title)) == {
        Literal("臺灣台語", lang="zh-Hant"), Literal("Taiwanese Hokkien", lang="en")}


@pytest.mark.parametrize(("parent", "predicate"), [("licence", DCT.license),
                                                   ("text-type", YL.textType)])
def test_a_licence_or_text_type_subset_states_its_value_and_counts_its_datasets(
        turtle: dict[str, Graph], repo: Repository, parent: str, predicate: URIRef) -> None:
    void = turtle["/.well-known/void"]
    subsets = {spec: s for spec, s in set_subsets(void).items() if spec.startswith(parent)}
    assert len(subsets) >= 3
    for subset in subsets.values():
        value = void.value(subset, predicate)
        rows = repo.public.select(f"""SELECT (COUNT(DISTINCT ?d) AS ?n) WHERE {{
            GRAPH ?g {{ ?d a <{DCAT.Dataset}> ; <{predicate}> <{value}> }} }}""")
        assert void.value(subset, URIRef(VOID + "entities")) == rows[0]["n"]


@pytest.fixture(scope="module")
def turtle(client: FlaskClient) -> dict[str, Graph]:
    """Each description as Turtle, fetched once."""
    return {path: fetch(client, path) for path in ("/.well-known/void", "/catalog")}


@pytest.mark.parametrize("path", ["/.well-known/void", "/catalog"])
@pytest.mark.parametrize("accept", [m for m in RDF_FORMATS if m != "text/turtle"])
def test_every_rdf_format_says_the_same_as_turtle(client: FlaskClient, turtle: dict[str, Graph],
                                                   path: str, accept: str) -> None:
    assert isomorphic(fetch(client, path, accept), turtle[path])


def test_a_format_nobody_writes_is_406(client: FlaskClient) -> None:
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


# -- DCAT -----------------------------------------------------------------------------------


def test_the_catalogue_lists_the_published_datasets_only(turtle: dict[str, Graph],
                                                         repo: Repository) -> None:
    catalog = turtle["/catalog"]
    listed = set(catalog.objects(URIRef(f"{BASE}catalog"), DCAT.dataset))
    assert listed == published(repo)
    for local_id in HIDDEN:
        assert (repo.ids.resource(local_id), None, None) not in catalog


def test_the_catalogue_offers_the_sparql_and_oai_services(turtle: dict[str, Graph]) -> None:
    catalog = turtle["/catalog"]
    services = set(catalog.objects(URIRef(f"{BASE}catalog"), DCAT.service))
    endpoints_ = {catalog.value(s, DCAT.endpointURL) for s in services}
    assert endpoints_ == {URIRef(f"{BASE}sparql"), URIRef(f"{BASE}oai")}
    assert all((s, RDF_.type, DCAT.DataService) in catalog for s in services)


def test_the_catalogue_pages(client: FlaskClient, repo: Repository,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(endpoints.catalog, "PAGE_SIZE", 10)
    catalog, seen = URIRef(f"{BASE}catalog"), set()
    for number in range(1, 5):
        page = fetch(client, f"/catalog?page={number}")
        view = page.value(catalog, URIRef(HYDRA + "view"))
        assert view == URIRef(f"{BASE}catalog?page={number}")
        assert (view, RDF_.type, URIRef(HYDRA + "PartialCollectionView")) in page
        has_next = page.value(view, URIRef(HYDRA + "next")) is not None
        assert has_next is (number < 4)
        seen |= set(page.objects(catalog, DCAT.dataset))
    assert seen == published(repo)


@pytest.mark.parametrize(("page", "status"), [("0", 400), ("two", 400), ("99", 404)])
def test_a_page_that_is_not_there(client: FlaskClient, page: str, status: int) -> None:
    response = client.get("/catalog", query_string={"page": page})
    assert response.status_code == status and response.mimetype == "text/plain"


@pytest.mark.shared
def test_the_catalogue_conforms_to_the_dcat_ap_shapes(client: FlaskClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """On a page of five datasets (the per-dataset export is tested in test_dcat.py; pyshacl
    needs about ten seconds for the whole demo catalogue)."""
    monkeypatch.setattr(endpoints.catalog, "PAGE_SIZE", 5)
    shapes = Graph()
    for name in MODULAR:
        shapes.parse(shared_path("standards", "dcat-ap", "3.0.1", "html-shacl", name),
                     format="turtle")
    _, report, _ = validate(fetch(client, "/catalog"), shacl_graph=shapes, inference="none",
                            advanced=False)
    violations = [f"{report.value(r, SH.focusNode)} {report.value(r, SH.resultPath)}: "
                  f"{report.value(r, SH.resultMessage)}"
                  for r in report.subjects(SH.resultSeverity, SH.Violation)]
    assert violations == []


def test_void_has_a_subset_per_harvest_source(tmp_path) -> None:
    repo = Repository(Config(home=tmp_path), in_memory=True)
    source, run = URIRef(f"{BASE}source/ntu"), URIRef(f"{BASE}run/ntu/20260301T080000Z")
    for local_id in ("00000001", "00000002"):
        record = dataset(repo, local_id, state="draft")
        repo.put(dataclasses.replace(record, source=Source(f"oai:ntu:{local_id}",
                                                           activity=run)))
    repo.publish("00000001")  # 00000002 stays a draft: not counted
    activity = Graph()
    activity.add((run, URIRef("http://www.w3.org/ns/prov#used"), source))
    repo.public.replace({URIRef(f"{BASE}graph/run/ntu/20260301T080000Z"): activity})
    void = fetch(create_app(repository=repo).test_client(), "/.well-known/void")
    subsets = [subset for subset in void.objects(URIRef(f"{BASE}void#dataset"),
                                                 URIRef(VOID + "subset"))
               if void.value(subset, YL.setSpec) is None]
    assert len(subsets) == 1
    assert void.value(subsets[0], DCT.source) == source
    assert void.value(subsets[0], URIRef(VOID + "entities")) == Literal(1, datatype=XSD.integer)


def test_void_is_recomputed_off_the_request_after_a_change(tmp_path) -> None:
    repo = Repository(Config(home=tmp_path), in_memory=True)
    for local_id in ("00000001", "00000002"):
        repo.put(dataset(repo, local_id, state="draft"))
    repo.publish("00000001")
    app = create_app(repository=repo)
    entities, modified = URIRef(VOID + "entities"), DCT.modified
    dataset_iri = URIRef(f"{BASE}void#dataset")
    first = fetch(app.test_client(), "/.well-known/void")
    assert first.value(dataset_iri, entities) == Literal(1, datatype=XSD.integer)
    assert first.value(dataset_iri, modified) is not None
    repo.publish("00000002")
    stale = fetch(app.test_client(), "/.well-known/void")  # served at once, refresh started
    assert stale.value(dataset_iri, entities) == Literal(1, datatype=XSD.integer)
    refreshing = app.extensions["yuliao.void"].refreshing
    if refreshing is not None:
        refreshing.join(timeout=30)
    fresh = fetch(app.test_client(), "/.well-known/void")
    assert fresh.value(dataset_iri, entities) == Literal(2, datatype=XSD.integer)
    assert fresh.value(dataset_iri, URIRef(VOID + "triples")) == Literal(records_triples(repo),
                                                                        datatype=XSD.integer)


def sparql_count(client: FlaskClient, spec: str) -> int | None:
    """The size of set ``spec`` as /sparql reads it from the stored description."""
    query = f'SELECT ?n WHERE {{ ?s yl:setSpec "{spec}" ; void:entities ?n }}'
    response = client.get("/sparql", query_string={"query": query},
                          headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200, response.get_data(as_text=True)
    bindings = response.get_json()["results"]["bindings"]
    assert len(bindings) <= 1
    return int(bindings[0]["n"]["value"]) if bindings else None


def test_the_description_is_stored_where_sparql_reads_its_counts(client: FlaskClient,
                                                                 repo: Repository) -> None:
    void = fetch(client, "/.well-known/void")
    stored = repo.public.graph(repo.ids.description)
    assert isomorphic(stored, void)
    for spec, subset in set_subsets(void).items():
        assert sparql_count(client, spec) == int(void.value(subset, URIRef(VOID + "entities")))


def settled(app) -> None:
    """Waits for the VoID refresh a request may have started."""
    refreshing = app.extensions["yuliao.void"].refreshing
    if refreshing is not None:
        refreshing.join(timeout=30)


def test_a_sparql_query_after_a_change_refreshes_the_stored_counts(tmp_path) -> None:
    repo = Repository(Config(home=tmp_path), in_memory=True)
    for local_id in ("00000001", "00000002", "00000003"):
        repo.put(dataset(repo, local_id, state="draft"))
    repo.publish("00000001")
    app = create_app(repository=repo)
    spec = "licence:OGDL-Taiwan-1.0"
    assert len(repo.public.graph(repo.ids.description)) == 0
    sparql_count(app.test_client(), spec)  # nothing computed before: a refresh starts
    settled(app)
    assert sparql_count(app.test_client(), spec) == 1
    repo.publish("00000002")  # 00000003 stays a draft: never counted
    sparql_count(app.test_client(), spec)
    settled(app)
    assert sparql_count(app.test_client(), spec) == 2
    assert len(repo.public.graph(repo.ids.description)) == len(fetch(app.test_client(),
                                                                    "/.well-known/void"))


def test_catalogue_pages_come_from_the_index_in_local_id_order(client: FlaskClient,
                                                               repo: Repository) -> None:
    catalog = fetch(client, "/catalog")
    listed = sorted(repo.ids.local_id_of(str(d))
                    for d in catalog.objects(URIRef(f"{BASE}catalog"), DCAT.dataset))
    assert listed == repo.disseminations.live_ids(0, 100)
    assert catalog.value(URIRef(f"{BASE}catalog"), URIRef(HYDRA + "totalItems")) == Literal(
        repo.disseminations.live_count(), datatype=XSD.integer)


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_browser_gets_a_catalogue_page_that_lists_the_datasets_and_links_the_rdf(
        client: FlaskClient, repo: Repository) -> None:
    from lxml import html

    response = client.get("/catalog", headers={"Accept": BROWSER_ACCEPT})
    assert response.mimetype == "text/html" and "Accept" in response.vary
    page = html.fromstring(response.data)
    listed = {code.text for code in page.xpath("//tbody//code")}
    assert {str(iri).rsplit("/", 1)[-1] for iri in published(repo)} == listed
    rdf = page.xpath("//p[@class='formats']/a/@href")
    assert rdf[0] == "/catalog?format=turtle"
    for href in rdf:
        assert client.get(href).mimetype != "text/html"
    assert client.get("/catalog", headers={"Accept": "*/*"}).mimetype == "text/turtle"


def test_a_browser_gets_a_void_page_with_the_subsets_the_rdf_counts(client: FlaskClient) -> None:
    from lxml import html

    void = fetch(client, "/.well-known/void")
    counts = {str(void.value(s, YL.setSpec)): int(void.value(s, URIRef(VOID + "entities")))
              for s in set_subsets(void).values()}
    page = html.fromstring(client.get("/.well-known/void",
                                      headers={"Accept": BROWSER_ACCEPT}).data)
    shown = {}
    for item in page.xpath("//ul[@class='subsets']/li"):
        spec = item.xpath("string(a/@href)").rsplit("set=", 1)[1].replace("%3A", ":")
        shown[spec] = int(item.xpath("string(span)").replace(",", ""))
    assert shown == {spec: n for spec, n in counts.items() if ":" in spec}
