"""Agency pages ``/agency/{code}``: where the publisher IRIs of records dereference.

Every agency the demo records publish under has a page with its names in both languages,
its identifiers, the contact points of its datasets and exactly its public datasets; pages
are walked by ``after``/``before`` and cost the same however many datasets the agency has
(a bounded number of graphs read, and index statements that search by key); RDF is served by
the record pages' negotiation for an agency named by an IRI; an agency that publishes nothing
public is 404.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from flask.testing import FlaskClient
from lxml import html
from rdflib import Graph, Literal, URIRef

import demo
from app import create_app
from repository import Config, Repository
from repository.agencies import PAGE_SIZE
from tests.oai_support import dataset, demo_repository
from vocab.namespaces import DCT, FOAF

BASE = Config(home=None).base_uri
DEMO = list(demo.records(BASE))
#: Demo states whose record is public and not withdrawn.
LIVE = ("published", "takedown-pending-agency", "takedown-pending-platform")


def demo_agencies() -> dict[str, tuple[set[str], set[str]]]:
    """Code → (names, local ids of its live datasets) for every ``{BASE}agency/{code}`` a
    demo record publishes under."""
    found: dict[str, tuple[set[str], set[str]]] = {}
    for record in DEMO:
        subject = URIRef(f"{BASE}id/{record.local_id}")
        for publisher in record.graph.objects(subject, DCT.publisher):
            if not str(publisher).startswith(f"{BASE}agency/"):
                continue
            names, ids = found.setdefault(str(publisher)[len(f"{BASE}agency/"):], (set(), set()))
            names.update(str(n) for n in record.graph.objects(publisher, FOAF.name))
            if record.state in LIVE:
                ids.add(record.local_id)
    return found


AGENCIES = demo_agencies()


@pytest.fixture(scope="module")
def demo_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    with demo_repository(tmp_path_factory.mktemp("agencies") / "home") as repository:
        yield repository


@pytest.fixture(scope="module")
def client(demo_repo: Repository) -> FlaskClient:
    return create_app(repository=demo_repo).test_client()


def listed(client: FlaskClient, path: str) -> tuple[list[str], dict[str, str]]:
    """The local ids a page of an agency lists, and its paging links by rel."""
    tree = html.fromstring(client.get(path).data)
    ids = [a.text_content() for a in tree.xpath("//section[@aria-labelledby='datasets']"
                                                "//td[1]/a")]
    return ids, {a.get("rel"): a.get("href") for a in tree.xpath("//nav/a[@rel]")}


def test_the_demo_publishes_under_agencies_with_and_without_public_datasets() -> None:
    assert len(AGENCIES) > 10 and all(names for names, _ in AGENCIES.values())
    assert any(ids for _, ids in AGENCIES.values())


@pytest.mark.parametrize("code", sorted(c for c, (_, ids) in AGENCIES.items() if ids))
def test_an_agency_page_names_the_agency_and_lists_exactly_its_public_datasets(
        client: FlaskClient, code: str) -> None:
    names, ids = AGENCIES[code]
    response = client.get(f"/agency/{code}")
    assert (response.status_code, response.mimetype) == (200, "text/html")
    headings = ""
    for lang in ("zh-Hant", "en"):
        reader = client.application.test_client()
        reader.set_cookie("lang", lang)
        headings += html.fromstring(reader.get(f"/agency/{code}").data).xpath("string(//h1)")
    assert all(name in headings for name in names)
    assert set(listed(client, f"/agency/{code}")[0]) == ids
    assert code in response.get_data(as_text=True)  # its dct:identifier


@pytest.mark.parametrize("local_id", sorted({i for _, ids in AGENCIES.values() for i in ids}))
def test_the_publisher_link_of_a_record_page_answers(client: FlaskClient,
                                                     local_id: str) -> None:
    page = html.fromstring(client.get(f"/record/{local_id}").data)
    links = [href for href in page.xpath("//a/@href") if "/agency/" in href]
    assert links
    for href in links:
        assert client.get(urlsplit(href).path).status_code == 200


def test_a_harvested_publisher_that_is_a_node_of_its_record_links_its_agency_page(
        client: FlaskClient) -> None:
    page = html.fromstring(client.get("/record/paradisec.org.au:AC2").data)
    [href] = [h for h in page.xpath("//a/@href") if h.startswith("/agency/")]
    assert href.startswith("/agency/name-")
    agency = client.get(href)
    assert agency.status_code == 200
    assert "PARADISEC" in html.fromstring(agency.data).xpath("string(//h1)")
    assert "paradisec.org.au:AC2" in listed(client, href)[0]
    assert client.get(href, headers={"Accept": "text/turtle"}).status_code == 406


def test_the_contact_points_of_the_agencys_datasets_are_on_its_page(
        client: FlaskClient) -> None:
    text = client.get("/agency/A29000000G").get_data(as_text=True)
    assert "林範例" in text and 'href="tel:+886-2-23800791"' in text


def test_an_agency_named_by_an_iri_answers_rdf_by_negotiation(client: FlaskClient) -> None:
    agency = URIRef(f"{BASE}agency/A29000000G")
    for headers, path in (({"Accept": "text/turtle"}, "/agency/A29000000G"),
                          ({}, "/agency/A29000000G?format=ttl")):
        response = client.get(path, headers=headers)
        assert response.mimetype == "text/turtle" and "Accept" in response.vary
        graph = Graph().parse(data=response.data, format="turtle")
        assert (agency, FOAF.name, Literal("數位發展部", lang="zh-Hant-TW")) in graph
        assert {str(s) for s in graph.subjects(DCT.publisher, agency)} == {
            f"{BASE}id/{i}" for i in AGENCIES["A29000000G"][1]}
    assert client.get("/agency/A29000000G", headers={"Accept": "image/png"}).status_code == 406


@pytest.mark.parametrize("code", ["Z99999999Z", "nosuch%2Fagency"])
def test_an_agency_that_publishes_nothing_public_is_404(client: FlaskClient,
                                                       code: str) -> None:
    page = client.get(f"/agency/{code}", headers={"Accept": "text/html"})
    assert (page.status_code, page.mimetype) == (404, "text/html")
    text = client.get(f"/agency/{code}", headers={"Accept": "text/plain"})
    assert (text.status_code, text.mimetype) == (404, "text/plain")


# -- agencies of one's own ----------------------------------------------------------------------


@pytest.fixture
def own_repo() -> Iterator[Repository]:
    with Repository(Config(home=None), in_memory=True) as repository:
        yield repository


def publish_many(repository: Repository, count: int, agency: str = "A29000000G") -> list[str]:
    ids = [f"{n:08d}" for n in range(1, count + 1)]
    records = [dataset(repository, local_id, agency=agency, state="published")
               for local_id in ids]
    repository.save_batch(records, publish=True)
    return ids


def test_an_agency_pages_its_datasets_forwards_and_backwards(own_repo: Repository) -> None:
    ids = publish_many(own_repo, 2 * PAGE_SIZE + 5)
    client = create_app(repository=own_repo).test_client()
    pages, path = [], "/agency/A29000000G"
    while path:
        page, links = listed(client, path)
        pages.append((page, links))
        path = links.get("next")
    assert [len(p) for p, _ in pages] == [PAGE_SIZE, PAGE_SIZE, 5]
    assert [i for p, _ in pages for i in p] == ids
    assert "prev" not in pages[0][1] and "next" not in pages[-1][1]
    back, _ = listed(client, pages[-1][1]["prev"])
    assert back == pages[1][0]
    assert "超過" not in client.get("/agency/A29000000G").get_data(as_text=True)
    assert f"共 {len(ids)} 筆" in client.get("/agency/A29000000G").get_data(as_text=True)


def test_a_withdrawn_dataset_leaves_its_agencys_pages(own_repo: Repository) -> None:
    ids = publish_many(own_repo, 3, agency="A41000000G")
    client = create_app(repository=own_repo).test_client()
    own_repo.withdraw(ids[1])
    assert listed(client, "/agency/A41000000G")[0] == [ids[0], ids[2]]
    for local_id in (ids[0], ids[2]):
        own_repo.withdraw(local_id)
    assert client.get("/agency/A41000000G").status_code == 404


def test_an_agency_whose_code_is_an_encoded_name_is_found_however_it_is_written(
        own_repo: Repository) -> None:
    code = quote("數位發展部 資料處", safe="")  # as the data.gov.tw crosswalk mints it
    [local_id] = publish_many(own_repo, 1, agency=code)
    client = create_app(repository=own_repo).test_client()
    record = html.fromstring(client.get(f"/record/{local_id}").data)
    assert f"{BASE}agency/{code}" in record.xpath("//a/@href")
    for written in (code, "數位發展部 資料處", code.lower()):
        response = client.get(f"/agency/{written}")
        assert response.status_code == 200, written
        assert listed(client, f"/agency/{written}")[0] == [local_id]


class GraphReads:
    """Counts the graphs read from the public area (the real store does the reading)."""

    def __init__(self, repository: Repository, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        read = repository.public.graph

        def counted(name: URIRef) -> Graph:
            self.count += 1
            return read(name)

        monkeypatch.setattr(repository.public, "graph", counted)


def test_an_agency_page_reads_as_much_for_45_datasets_as_for_450(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = []
    for count in (45, 450):
        with Repository(Config(home=tmp_path / str(count))) as repository:
            publish_many(repository, count)
            client = create_app(repository=repository).test_client()
            counter = GraphReads(repository, monkeypatch)
            for path in ("/agency/A29000000G", "/agency/A29000000G?after=00000010"):
                assert client.get(path).status_code == 200
            reads.append(counter.count)
            monkeypatch.undo()
    # each page: its datasets' graphs, and the agency's own graph in the register
    assert reads == [2 * (PAGE_SIZE + 1), 2 * (PAGE_SIZE + 1)]


def test_an_agency_page_asks_the_index_only_by_key(own_repo: Repository) -> None:
    publish_many(own_repo, 30)
    client = create_app(repository=own_repo).test_client()
    index: sqlite3.Connection = own_repo.disseminations._writer  # in memory: the one connection
    asked: list[str] = []
    index.set_trace_callback(asked.append)
    try:
        for path in ("/agency/A29000000G", "/agency/A29000000G?before=00000025"):
            assert client.get(path).status_code == 200
    finally:
        index.set_trace_callback(None)
    queries = [q for q in asked if q.lstrip().upper().startswith("SELECT")]
    assert queries
    for query in queries:
        plan = " ".join(row[3] for row in index.execute(f"EXPLAIN QUERY PLAN {query}"))
        assert "SCAN m" not in plan and "SCAN r" not in plan and "TEMP B-TREE" not in plan, plan
