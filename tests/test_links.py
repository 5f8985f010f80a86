"""Linked data that resolves: every internal link of every page answers, and every IRI the
repository mints dereferences at the path it names, whatever a client or proxy did to its
percent-encoding.

The crawl starts from ``/``, every demo record page and the pages of records harvested from
tests/data/oai (identifiers with a space, Chinese characters, ``/``, ``:``, ``//`` and a
literal ``%``), by a real harvest, so that their pages link a harvest run and a harvested
publisher; it follows every ``href`` and ``src`` on the site (relative, or under the base
URI) and every ``Link`` header, through redirects, and finds nothing broken (status 400 or
more) but the deliberate 410 of withdrawn records. ../shared's Kaipuleohone static
repository (``oai:scholarspace.manoa.hawaii.edu:10125/32707``) is crawled the same way when
it is there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
from flask.testing import FlaskClient
from lxml import html
from pyoxigraph import NamedNode

import demo
from app import create_app
from demo.backoffice import agencies as demo_agencies
from harvest.fetch import Fetcher
from harvest.run import Harvest
from harvest.sources import Registry, new_source
from repository import Config, Repository
from repository.accounts import AgencyRegister
from repository.records import local_id_for_source
from tests.conftest import DATA, shared_path
from tests.crawl import broken, crawl, crawled_app, record_pages
from tests.oai_support import dataset, demo_repository

BASE = Config(home=None).base_uri
UNUSUAL = DATA / "oai" / "unusual_identifiers_static_repository.xml"
#: The source identifiers of UNUSUAL, and the local ids they get.
UNUSUAL_SOURCE_IDS = ("oai:archive.example.org:臺語 語料/第 1 號",
                      "oai:archive.example.org:http://archive.example.org/items/a%20b")
UNUSUAL_IDS = tuple(local_id_for_source(i) for i in UNUSUAL_SOURCE_IDS)
DEMO = list(demo.records(BASE))
BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
PUBLIC_STATES = ("published", "takedown-pending-agency", "takedown-pending-platform",
                 "withdrawn")


def harvest_file(repository: Repository, name: str, path: Path) -> None:
    """A full harvest of the OLAC static repository at ``path`` (a run of its own)."""
    source = Registry(repository).add(new_source(name, "olac-static", str(path)))
    report = Harvest(repository, source, full=True, fetcher=Fetcher(sleep=lambda s: None)).run()
    assert report.error is None and not report.quarantined, report


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    """The demo records and UNUSUAL's, harvested, in a store on disk; the demo's agencies
    registered (their pages link parents and contact points)."""
    with demo_repository(tmp_path_factory.mktemp("links") / "home") as repository:
        harvest_file(repository, "test-archive", UNUSUAL)
        register = AgencyRegister.of(repository)
        for agency in demo_agencies(BASE):
            register.add(agency)
        yield repository


@pytest.fixture(scope="module")
def client(site: Repository) -> FlaskClient:
    return crawled_app(site.config, site).test_client()


def test_no_internal_link_of_any_demo_or_harvested_page_is_broken(client: FlaskClient) -> None:
    public = [d.local_id for d in DEMO if d.state in PUBLIC_STATES]
    statuses = crawl(client, ["/", *record_pages(public), *record_pages(UNUSUAL_IDS)], BASE)
    assert broken(statuses) == {}
    visited = " ".join(statuses)
    for kind in ("/agency/A29000000G", "/agency/A29020000G", "/agency/name-",
                 "/run/test-archive/", "/oai?",
                 "/olac.xml", "/croissant.json", "/export/", "?format=ttl"):
        assert kind in visited, f"the crawl reached no {kind} page"
    assert {statuses[f"/record/{d.local_id}"] for d in DEMO if d.state == "withdrawn"} == {410}


@pytest.mark.shared
def test_no_internal_link_of_a_record_harvested_from_a_real_static_repository_is_broken(
        tmp_path: Path) -> None:
    fixture = shared_path("fixtures", "oai", "kaipuleohone_static_repository_sample.xml")
    with Repository(Config(home=tmp_path / "home")) as repository:
        harvest_file(repository, "kaipuleohone", fixture)
        ids = repository.local_ids(public=True)
        assert "scholarspace.manoa.hawaii.edu:10125%2F32707" in ids
        statuses = crawl(crawled_app(repository.config, repository).test_client(),
                         ["/", *record_pages(ids)], BASE)
    assert broken(statuses) == {}
    assert len([p for p in statuses if p.startswith("/record/") and "?" not in p]) >= len(ids)


def test_no_internal_link_is_broken_for_the_web_workers_of_yuliao_serve(site: Repository
                                                                         ) -> None:
    site.public_snapshot()  # what the owner of a served home takes first
    reader = crawled_app(site.config, reader=True)
    public = [d.local_id for d in DEMO if d.state in PUBLIC_STATES]
    statuses = crawl(reader.test_client(), ["/", *record_pages(public),
                                            *record_pages(UNUSUAL_IDS)], BASE)
    assert broken(statuses) == {}
    assert len(statuses) > 500 and "/agency/A29000000G" in statuses


def test_every_iri_under_the_base_in_the_public_area_dereferences(site: Repository) -> None:
    app = create_app(repository=site)
    app.extensions["yuliao.void"].graph()  # the VoID description, stored for SPARQL too
    minted = {term.value.split("#", 1)[0] for quad in site.public.quads()
              for term in (quad.subject, quad.object, quad.graph_name)
              if isinstance(term, NamedNode) and term.value.startswith(BASE)}
    assert {f"{BASE}void", f"{BASE}agency/A29000000G", f"{BASE}graph/00001174"} <= minted
    assert any(iri.startswith(f"{BASE}source/") for iri in minted)
    client = app.test_client()
    answers = {iri: client.get(iri[len(BASE) - 1:], base_url=BASE, headers=BROWSER,
                               follow_redirects=True).status_code for iri in sorted(minted)}
    assert broken(answers) == {}


# -- the minted paths -------------------------------------------------------------------------


@pytest.mark.parametrize("local_id", UNUSUAL_IDS)
def test_pages_link_records_by_exactly_their_minted_paths(client: FlaskClient,
                                                          site: Repository,
                                                          local_id: str) -> None:
    home = {a.get("href") for a in html.fromstring(client.get("/").data).xpath("//a")}
    assert f"/record/{local_id}" in home
    twice = local_id.replace("%", "%25")
    assert not any(twice in href for href in home)
    page = html.fromstring(client.get(f"/record/{local_id}").data)
    described = page.xpath("//main/p[1]/a/@href")
    assert described == [str(site.ids.resource(local_id))]
    assert urlsplit(described[0]).path == f"/id/{local_id}"


def spellings(local_id: str) -> dict[str, str]:
    """The ways a client or proxy may write the path of ``local_id`` (minted form: the local
    part percent-encoded, upper-case hex). Decoded, a ``%`` of the identifier itself is
    still written ``%25``: a bare ``%`` would start an escape."""
    source, _, local = local_id.partition(":")
    decoded = unquote(local)
    return {
        "as minted": local_id,
        "decoded": f"{source}:{decoded.replace('%', '%25')}",
        "only %3A decoded": f"{source}:{local.replace('%3A', ':')}",
        "reserved kept, rest encoded": f"{source}:{quote(decoded, safe=':/')}",
        "lower-case hex": f"{source}:{local.lower()}",
    }


@pytest.mark.parametrize("local_id", UNUSUAL_IDS)
@pytest.mark.parametrize("form", ["as minted", "decoded", "only %3A decoded",
                                  "reserved kept, rest encoded", "lower-case hex"])
@pytest.mark.parametrize(("suffix", "mimetype"), [
    ("", "text/html"), ("/olac.xml", "application/xml"),
    ("/croissant.json", "application/ld+json"), ("/export/dcat-ttl", "text/turtle")])
def test_a_record_is_found_however_its_path_is_encoded(
        client: FlaskClient, local_id: str, form: str, suffix: str, mimetype: str) -> None:
    response = client.get(f"/record/{spellings(local_id)[form]}{suffix}")
    assert (response.status_code, response.mimetype) == (200, mimetype)


@pytest.mark.parametrize("local_id", UNUSUAL_IDS)
@pytest.mark.parametrize("prefix", ["/id/", "/graph/"])
def test_the_resource_and_graph_iris_see_other_to_the_minted_page_path(
        client: FlaskClient, local_id: str, prefix: str) -> None:
    for written in spellings(local_id).values():
        response = client.get(f"{prefix}{written}?format=ttl")
        assert response.status_code == 303
        assert response.headers["Location"] == f"/record/{local_id}?format=ttl"


@pytest.mark.parametrize("local_id", UNUSUAL_IDS)
def test_an_old_twice_encoded_link_moves_permanently_to_the_minted_path(
        client: FlaskClient, local_id: str) -> None:
    twice = local_id.replace("%", "%25")
    for suffix in ("", "/olac.xml"):
        response = client.get(f"/record/{twice}{suffix}?format=ttl")
        assert response.status_code == 301
        assert response.headers["Location"].startswith(f"/record/{local_id}{suffix}?")


@pytest.fixture
def own_repo() -> Iterator[Repository]:
    with Repository(Config(home=None), in_memory=True) as repository:
        yield repository


def published(repository: Repository, *source_ids: str) -> list[str]:
    ids = [local_id_for_source(i) for i in source_ids]
    for local_id in ids:
        repository.put(dataset(repository, local_id, title=local_id))
        repository.publish(local_id)
    return ids


def test_an_id_with_a_literal_percent_is_not_taken_for_its_decoded_neighbour(
        own_repo: Repository) -> None:
    with_percent, with_colon = published(own_repo, "oai:ex.org:a%3Ab", "oai:ex.org:a:b")
    assert (with_percent, with_colon) == ("ex.org:a%253Ab", "ex.org:a%3Ab")
    client = create_app(repository=own_repo).test_client()
    for local_id in (with_percent, with_colon):
        page = client.get(f"/record/{local_id}", headers={"Accept": "text/turtle"})
        assert page.status_code == 200
        assert f"/id/{local_id}>".encode() in page.data


def test_an_id_ending_like_an_export_reaches_its_page_when_its_slash_was_decoded(
        own_repo: Repository) -> None:
    [local_id] = published(own_repo, "oai:ex.org:a/olac.xml")
    client = create_app(repository=own_repo).test_client()
    assert local_id == "ex.org:a%2Folac.xml"
    for written in (local_id, "ex.org:a/olac.xml"):
        response = client.get(f"/record/{written}")
        assert (response.status_code, response.mimetype) == (200, "text/html")
    assert client.get(f"/record/{local_id}/olac.xml").mimetype == "application/xml"


def test_a_path_that_names_no_record_in_any_reading_is_404(client: FlaskClient) -> None:
    for path in ("/record/archive.example.org:nothing%2Fhere", "/id/x y", "/graph/1234",
                 "/record/archive.example.org:nothing/olac.xml"):
        assert client.get(path).status_code == 404, path


# -- harvest runs -----------------------------------------------------------------------------


def test_a_harvest_run_page_describes_the_run_in_html_and_rdf(client: FlaskClient,
                                                             site: Repository) -> None:
    run = str(site.get(UNUSUAL_IDS[0], public=True).source.activity)
    path = urlsplit(run).path
    page = client.get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "收割作業" in text and "completed" in text and "新增筆數" in text
    turtle = client.get(path, headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and run.encode() in turtle.data
    graph = client.get(path.replace("/run/", "/graph/run/", 1))
    assert (graph.status_code, graph.headers["Location"]) == (303, path)
    assert client.get("/run/test-archive/19990101T000000Z").status_code == 404


def test_a_harvest_source_page_lists_its_public_runs(client: FlaskClient,
                                                     site: Repository) -> None:
    run = str(site.get(UNUSUAL_IDS[0], public=True).source.activity)
    page = client.get("/source/test-archive")
    assert page.status_code == 200
    assert run in html.fromstring(page.data).xpath("//table//a/@href")
    turtle = client.get("/source/test-archive?format=ttl")
    assert f"<{BASE}source/test-archive>".encode() in turtle.data
    assert client.get("/source/nosuch").status_code == 404


# -- what the new pages may not contain -------------------------------------------------------


@pytest.mark.parametrize("path", ["/agency/A29000000G", "/agency/nosuch",
                                  "/source/test-archive"])
def test_the_new_pages_carry_no_inline_script_or_event_handler(client: FlaskClient,
                                                                site: Repository,
                                                                path: str) -> None:
    run = urlsplit(str(site.get(UNUSUAL_IDS[0], public=True).source.activity)).path
    for page in (path, run):
        tree = html.fromstring(client.get(page).data)
        assert tree.xpath("//script") == []
        assert tree.xpath("//@*[starts-with(name(), 'on')]") == []
