"""The home page: published records only, every format (over real HTTP on 127.0.0.1); the
latest records page by page, totals and services, all from the dissemination index (the store
is not read), with conditional GET."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import html
from rdflib import Graph, Literal
from werkzeug.serving import make_server

from app import create_app
from endpoints.home import PAGE_SIZE
from repository import Config, Record, Repository
from repository.disseminations import Disseminations
from tests.conftest import CountingStore
from tests.oai_support import dataset, tick
from vocab.namespaces import DCT


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Repository]]:
    repo = Repository(Config(home=tmp_path / "home"))
    for local_id, title in (("00000001", "公開的資料集"), ("00000002", "草稿資料集")):
        g = Graph()
        g.add((repo.ids.resource(local_id), DCT.title, Literal(title, lang="zh-Hant-TW")))
        repo.put(Record(id=local_id, graph=g))
    repo.publish("00000001")
    httpd = make_server("127.0.0.1", 0, create_app(repository=repo), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}", repo
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_home_lists_published_records_and_hides_drafts(server) -> None:
    base, _ = server
    status, body = fetch(base + "/")
    text = body.decode()
    assert status == 200
    assert "公開的資料集" in text and "草稿資料集" not in text
    assert "/record/00000001/export/nquads" in text


def test_a_draft_cannot_be_exported_over_http(server) -> None:
    base, _ = server
    assert fetch(base + "/record/00000002/export/nquads")[0] == 404
    status, body = fetch(base + "/record/00000001/export/nquads")
    assert status == 200 and "公開的資料集".encode() in body


def test_a_withdrawn_record_answers_410(server) -> None:
    base, repo = server
    repo.withdraw("00000001")
    assert fetch(base + "/record/00000001/export/nquads")[0] == 410


# -- the page from the dissemination index -------------------------------------------------------


def published_repository(home: Path, count: int, *, in_memory: bool = False) -> Repository:
    """``count`` published datasets ``00000001``… (datestamps one second apart, in id order,
    ``count`` of them in each of two agencies and ``count % 7 + 1`` languages), a withdrawn one
    (``00009001``) and a draft (``00009002``)."""
    repo = Repository(Config(home=home), in_memory=in_memory)
    records = [dataset(repo, f"{n:08d}", f"資料集 {n}", languages=(LANGUAGES[n % 7],),
                       agency=("A1", "A2")[n % 2]) for n in range(1, count + 1)]
    repo.save_batch([*records, dataset(repo, "00009001", languages=("ami",), agency="A3")],
                    publish=True)
    repo.withdraw("00009001")
    repo.put(dataset(repo, "00009002", "草稿資料集"))
    return repo


LANGUAGES = ("nan", "hak", "ami", "tay", "pwn", "bnn", "trv")


def page_ids(body: bytes) -> list[str]:
    root = html.fromstring(body)
    return [code.text for code in root.xpath("//tbody/tr/td[1]/a/code")]


def older_link(body: bytes) -> str | None:
    links = html.fromstring(body).xpath("//a[@rel='next']/@href")
    return links[0] if links else None


def test_the_home_page_lists_the_latest_records_page_by_page(tmp_path, monkeypatch) -> None:
    tick(monkeypatch)
    count = 2 * PAGE_SIZE + 7
    with published_repository(tmp_path / "home", count) as repo:
        client = create_app(repository=repo).test_client()
        pages, url = [], "/"
        while url is not None:
            response = client.get(url)
            assert response.status_code == 200
            pages.append(page_ids(response.data))
            url = older_link(response.data)
    assert [len(ids) for ids in pages] == [PAGE_SIZE, PAGE_SIZE, 7]
    assert sum(pages, []) == [f"{n:08d}" for n in range(count, 0, -1)]  # latest first


def test_the_home_page_shows_titles_dates_links_totals_and_services(tmp_path, monkeypatch) -> None:
    tick(monkeypatch)
    with published_repository(tmp_path / "home", 9) as repo:
        body = create_app(repository=repo).test_client().get("/").data
        newest = repo.disseminations.get("00000009")
    root = html.fromstring(body)
    row = root.xpath("//tbody/tr")[0]
    assert row.xpath("td[1]//code/text()") == ["00000009"]
    assert row.xpath("td[2]/a/text()") == ["資料集 9", "資料集 9 (en)"]
    assert row.xpath("td[3]/text()") == [newest.datestamp]
    assert "/record/00000009/olac.xml" in row.xpath(".//a/@href")
    totals = [int(n.replace(",", "")) for n in root.xpath("//ul[@class='totals']/li/strong/text()")]
    assert totals == [9, 2, 7]  # datasets; agencies A1, A2 (not A3, withdrawn); languages
    services = root.xpath("//nav[@class='services']/a/@href")
    assert services == ["/sparql", "/oai?verb=Identify", "/catalog", "/.well-known/void",
                        "/api"]
    assert b"00009001" not in body and b"00009002" not in body


def test_a_malformed_before_is_400_naming_the_parameter(server) -> None:
    base, _ = server
    status, body = fetch(base + "/?before=yesterday")
    assert status == 400 and b"before='yesterday'" in body


def test_the_home_page_answers_304_until_the_index_changes(server) -> None:
    base, repo = server
    client = create_app(repository=repo).test_client()
    first = client.get("/")
    assert first.headers["Last-Modified"] and first.headers["ETag"]
    assert client.get("/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    repo.publish("00000002")
    again = client.get("/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and "草稿資料集" in again.get_data(as_text=True)


def test_the_home_page_reads_no_record_and_the_same_queries_at_n_and_10n(tmp_path,
                                                                        monkeypatch) -> None:
    """The cost of the page does not depend on the number of records: the store is not read
    at all, and the dissemination index runs the same statements (with the same bounds) for
    20 records and for 200."""
    statements: list[str] = []
    connect = Disseminations._connect

    def traced(self):
        connection = connect(self)
        connection.set_trace_callback(statements.append)
        return connection

    monkeypatch.setattr(Disseminations, "_connect", traced)
    issued = {}
    for count in (20, 200):
        with published_repository(tmp_path / f"home{count}", count, in_memory=True) as repo:
            repo.public, repo.work = CountingStore(repo.public), CountingStore(repo.work)
            client = create_app(repository=repo).test_client()
            statements.clear()
            assert client.get("/").status_code == 200
            issued[count] = list(statements)
            assert repo.public.calls == [] and repo.work.calls == []
    assert issued[20] == issued[200]
    assert any("LIMIT 51" in statement for statement in issued[20])


def test_the_home_page_offers_search_themes_and_languages_with_their_counts(tmp_path,
                                                                          monkeypatch) -> None:
    tick(monkeypatch)
    with published_repository(tmp_path / "home", 14) as repo:
        client = create_app(repository=repo).test_client()
        root = html.fromstring(client.get("/").data)
        languages = root.xpath("//section[@aria-labelledby='languages']//li")
        counted = {li.xpath("string(a/@href)"): int(li.xpath("string(span)"))
                   for li in languages}
        for href, count in counted.items():
            code = href.rsplit("/", 1)[1]
            found = client.get(f"/search?facet=language:{code}&format=json").json
            assert found["total"] == count, href
            assert client.get(href).status_code == 200
    assert sum(counted.values()) == 14  # one language each
    assert list(counted.values()) == sorted(counted.values(), reverse=True)  # most first
    assert root.xpath("//form[@role='search']/@action") == ["/search"]
    assert len(root.xpath("//section[@aria-labelledby='themes']//li")) == 6  # seed 000's six


def test_the_home_page_etag_differs_by_language(server) -> None:
    _, repo = server
    client = create_app(repository=repo).test_client()
    chinese = client.get("/")
    english = client.get("/", headers={"Accept-Language": "en"})
    assert chinese.headers["ETag"] != english.headers["ETag"]
    assert "Accept-Language" in english.headers["Vary"]
    again = client.get("/", headers={"Accept-Language": "en",
                                     "If-None-Match": chinese.headers["ETag"]})
    assert again.status_code == 200 and "published datasets" in again.get_data(as_text=True)


def test_the_site_has_an_icon(server) -> None:
    base, _ = server
    status, body = fetch(base + "/favicon.ico")
    assert status == 200 and body.startswith(b"<svg") and "語" in body.decode()
    assert b'rel="icon"' in fetch(base + "/")[1]
