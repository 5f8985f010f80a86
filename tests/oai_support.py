"""Helpers for the OAI-PMH provider tests: records with chosen facts and datestamps, a real
HTTP server on 127.0.0.1, and a client that checks every response it receives.

Every response body the client receives is validated against ``oai-pmh-olac-all.xsd`` (plus the
rdf:RDF envelope, tests/schemas.py) when ../shared is present; the tests themselves check
behaviour and run without it.
"""

from __future__ import annotations

import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef
from werkzeug.serving import make_server

from app import create_app
from repository import Config, Record, Repository
from repository.config import LimitSettings
from tests.conftest import SHARED
from tests.schemas import oai_response_schema, schema_errors
from vocab.namespaces import DCAT, DCT, FOAF, RDF_, YL, concept, lexvo

OAI = "{http://www.openarchives.org/OAI/2.0/}"
NS = {"oai": "http://www.openarchives.org/OAI/2.0/"}
T0 = datetime(2026, 3, 1, 8, 0, 0, tzinfo=UTC)


def dataset(repo: Repository, local_id: str, title: str = "語料", *,
            languages: tuple[str, ...] = ("nan",), text_type: str | None = "language-resource",
            licence: str | None = "OGDL-Taiwan-1.0", agency: str | None = "A29000000G",
            state: str = "draft") -> Record:
    """A small corpus dataset with the facts the sets are made of."""
    s, g = repo.ids.resource(local_id), Graph()
    g.add((s, RDF_.type, DCAT.Dataset))
    g.add((s, RDF_.type, YL.CorpusDataset))
    g.add((s, DCT.title, Literal(title, lang="zh-Hant-TW")))
    g.add((s, DCT.title, Literal(f"{title} (en)", lang="en")))
    for code in languages:
        g.add((s, DCT.language, lexvo(code)))
    if text_type:
        g.add((s, YL.textType, concept("text-type", text_type)))
    if licence:
        g.add((s, DCT.license, concept("licence", licence)))
    if agency:
        publisher = URIRef(f"{repo.ids.base}agency/{agency}")
        g.add((s, DCT.publisher, publisher))
        g.add((publisher, FOAF.name, Literal("數位發展部", lang="zh-Hant-TW")))
        g.add((publisher, FOAF.name, Literal("Ministry of Digital Affairs", lang="en")))
    return Record(id=local_id, graph=g, state=state)


class Clock:
    """A stand-in for ``repository.records.now_utc`` that moves one second per call, so
    every public change gets a known datestamp."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start - timedelta(seconds=1)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def tick(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Install a :class:`Clock` as the repository's clock (undone with the monkeypatch)."""
    ticking = Clock()
    monkeypatch.setattr("repository.records.now_utc", ticking)
    return ticking


@contextmanager
def demo_repository(home) -> Iterator[Repository]:
    """A repository at ``home`` holding the demo records in their states (published,
    withdrawn, draft, in review); closed on exit. Its applications have no rate limits: the
    tests over it send hundreds of requests a second from one address (the limits are tested
    in tests/test_limits.py)."""
    import demo
    from repository.importer import load_records

    with Repository(Config(home=home, limits=LimitSettings.unlimited())) as repository:
        records = [Record(id=d.local_id, graph=d.graph, state=d.state)
                   for d in demo.records(repository.config.base_uri)]
        assert load_records(repository, records).ok
        yield repository


@contextmanager
def demo_in_memory() -> Iterator[Repository]:
    """An in-memory repository holding the demo records in their states; closed on exit."""
    import demo
    from repository.importer import load_records

    with Repository(Config(home=None), in_memory=True) as repository:
        records = [Record(id=d.local_id, graph=d.graph, state=d.state)
                   for d in demo.records(repository.config.base_uri)]
        assert load_records(repository, records).ok
        yield repository


@contextmanager
def serving(repository: Repository, config: Config | None = None) -> Iterator[str]:
    """``http://127.0.0.1:{port}/oai`` answered by a threaded server over ``repository``
    (with ``config``'s OAI settings when given) and without rate limits: harvesters send it
    their requests as fast as they can from one address (the limits are tested in
    tests/test_limits.py); stopped on exit."""
    settings = replace(config or repository.config, limits=LimitSettings.unlimited())
    with serving_app(create_app(settings, repository)) as url:
        yield url


@contextmanager
def serving_app(app, port: int = 0) -> Iterator[str]:
    """``http://127.0.0.1:{port}/oai`` answered by a threaded server over ``app`` (on
    ``port``, else a free one); stopped on exit."""
    httpd = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}/oai"
    finally:
        httpd.shutdown()
        thread.join(timeout=5)


@dataclass
class Reply:
    """One response: status, content type, body and its parsed root."""

    status: int
    content_type: str
    body: bytes
    root: etree._Element

    def errors(self) -> list[str]:
        return [e.get("code") for e in self.root.iterfind(f"{OAI}error")]

    @property
    def request(self) -> etree._Element:
        return self.root.find(f"{OAI}request")

    def identifiers(self) -> list[str]:
        return [h.findtext(f"{OAI}identifier") for h in self.root.iter(f"{OAI}header")]

    def headers(self) -> list[etree._Element]:
        return list(self.root.iter(f"{OAI}header"))

    def token(self) -> etree._Element | None:
        return self.root.find(f".//{OAI}resumptionToken")


class Client:
    """GET or POST OAI-PMH requests to ``url``; checks HTTP 200, the content type, and (with
    ../shared) the schema of every response."""

    def __init__(self, url: str) -> None:
        self.url = url

    def get(self, query: str | list[tuple[str, str]] | None = None, **arguments: str) -> Reply:
        if isinstance(query, list):
            query = urllib.parse.urlencode(query)
        query = query if query is not None else urllib.parse.urlencode(arguments)
        return self._fetch(urllib.request.Request(f"{self.url}?{query}"))

    def post(self, pairs: list[tuple[str, str]] | None = None, **arguments: str) -> Reply:
        data = urllib.parse.urlencode(pairs if pairs is not None else arguments).encode()
        request = urllib.request.Request(self.url, data=data, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        return self._fetch(request)

    def _fetch(self, request: urllib.request.Request) -> Reply:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, content_type, body = (response.status, response.headers["Content-Type"],
                                          response.read())
        assert (status, content_type) == (200, "text/xml; charset=utf-8")
        if SHARED.exists():
            errors = schema_errors(oai_response_schema(), body)
            assert errors == [], f"schema-invalid response to {request.full_url}: {errors}"
        return Reply(status, content_type, body, etree.fromstring(body))

    def harvest(self, verb: str = "ListRecords", **arguments: str) -> list[Reply]:
        """Every page of a list, following resumption tokens."""
        pages = [self.get(verb=verb, **arguments)]
        while (token := pages[-1].token()) is not None and (token.text or "").strip():
            pages.append(self.get(verb=verb, resumptionToken=token.text))
        return pages


def oai_id(repo: Repository, local_id: str) -> str:
    return repo.ids.oai(local_id)
