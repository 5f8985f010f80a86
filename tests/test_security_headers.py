"""Security headers on every kind of response (pages, RDF, OAI-PMH XML, SPARQL results, static
files, and the 404, 405, 410, 413 and 429 answers), a Content-Security-Policy that allows no
inline script or style, and pages that need none: no inline script, handler or style."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import html
from werkzeug.test import TestResponse

from app import create_app
from endpoints import STATIC_FOLDER
from endpoints.security import HEADERS
from repository import Config, Repository
from repository.config import LimitSettings, ServiceLimits
from tests.oai_support import dataset

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = ROOT / "endpoints"
#: Each client of /oai and /sparql may send one request (then 429).
ONE_REQUEST = LimitSettings(oai=ServiceLimits(rate=0.001, burst=1, max_body=16_384),
                            sparql=ServiceLimits(rate=0.001, burst=1, max_body=400_000))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A published record 00000001 and a withdrawn one 00000002."""
    home = tmp_path_factory.mktemp("headers") / "home"
    with Repository(Config(home=home, limits=ONE_REQUEST)) as repo:
        repo.save_batch([dataset(repo, "00000001"), dataset(repo, "00000002")], publish=True)
        repo.withdraw("00000002")
        application = create_app(repository=repo)
        yield application
        refreshing = application.extensions["yuliao.void"].refreshing
        if refreshing is not None:
            refreshing.join(timeout=30)


@pytest.fixture(scope="module")
def client(app) -> FlaskClient:
    return app.test_client()


def from_address(number: int) -> dict:
    return {"environ_base": {"REMOTE_ADDR": f"198.51.100.{number}"}}


def big_oai_post(client: FlaskClient) -> TestResponse:
    return client.post("/oai", data=b"verb=Identify&" + b"a" * 20_000,
                       content_type="application/x-www-form-urlencoded", **from_address(1))


def second_oai_request(client: FlaskClient) -> TestResponse:
    client.get("/oai?verb=Identify", **from_address(2))
    return client.get("/oai?verb=Identify", **from_address(2))


RESPONSES = {
    "home page": (lambda c: c.get("/"), 200),
    "record page": (lambda c: c.get("/record/00000001"), 200),
    "record as Turtle": (lambda c: c.get("/record/00000001?format=ttl"), 200),
    "DCAT catalogue": (lambda c: c.get("/catalog"), 200),
    "VoID": (lambda c: c.get("/.well-known/void"), 200),
    "OAI-PMH": (lambda c: c.get("/oai?verb=Identify", **from_address(3)), 200),
    "SPARQL results": (lambda c: c.get("/sparql?query=ASK%20%7B%7D&format=json",
                                       **from_address(4)), 200),
    "SPARQL page": (lambda c: c.get("/sparql", headers={"Accept": "text/html"},
                                    **from_address(5)), 200),
    "stylesheet": (lambda c: c.get("/static/yuliao.css"), 200),
    "script": (lambda c: c.get("/static/sparql.js"), 200),
    "404 record": (lambda c: c.get("/record/99999999"), 404),
    "404 route": (lambda c: c.get("/no/such/page"), 404),
    "405": (lambda c: c.delete("/"), 405),
    "410": (lambda c: c.get("/record/00000002"), 410),
    "413": (big_oai_post, 413),
    "429": (second_oai_request, 429),
    "304": (lambda c: c.get("/", headers={"If-None-Match": c.get("/").headers["ETag"]}), 304),
}


@pytest.mark.parametrize("kind", RESPONSES)
def test_every_kind_of_response_has_the_security_headers(client: FlaskClient, kind: str) -> None:
    ask, status = RESPONSES[kind]
    response = ask(client)
    response.close()  # a static file is sent from the open file
    assert response.status_code == status
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name
    assert "Server" not in response.headers


def directives(policy: str) -> dict[str, list[str]]:
    parsed = (part.split() for part in policy.split(";") if part.strip())
    return {words[0]: words[1:] for words in parsed}


def test_the_policy_allows_this_origin_only_and_no_inline_code() -> None:
    policy = directives(HEADERS["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    for directive in ("script-src", "style-src"):
        assert policy[directive] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)
    assert HEADERS["X-Content-Type-Options"] == "nosniff"
    assert HEADERS["Referrer-Policy"]


PAGES = {
    "home": "/",
    "record": "/record/00000001",
    "tombstone": "/record/00000002",
    "not found": "/record/99999999",
    "SPARQL": "/sparql",
    "SPARQL results": "/sparql?query=SELECT%20*%20%7B%20?s%20?p%20?o%20%7D%20LIMIT%205"
                      "&format=html",
}


@pytest.mark.parametrize("page", PAGES)
def test_pages_have_no_inline_script_handler_or_style(client: FlaskClient, page: str) -> None:
    response = client.get(PAGES[page], headers={"Accept": "text/html"},
                          **from_address(10 + list(PAGES).index(page)))
    assert response.mimetype == "text/html"
    root = html.fromstring(response.data)
    for script in root.iter("script"):
        if script.get("type") == "application/ld+json":  # data, never executed
            continue
        assert script.get("src", "").startswith("/static/") and not (script.text or "").strip()
    assert root.xpath("//style") == [] and root.xpath("//@style") == []
    handlers = [f"{e.tag} {name}" for e in root.iter() if isinstance(e.tag, str)
                for name in e.attrib if name.lower().startswith("on")]
    assert handlers == []
    assert not [href for href in root.xpath("//@href") if href.lower().startswith("javascript:")]
    for link in root.xpath("//link[@rel='stylesheet']/@href | //script/@src"):
        with client.get(link) as linked:
            assert linked.status_code == 200


def test_the_sparql_page_edits_examples_through_its_static_script(client: FlaskClient) -> None:
    """The "edit" buttons carry their query as data, which /static/sparql.js puts in the
    editor (the page's former inline onclick)."""
    root = html.fromstring(client.get("/sparql", headers={"Accept": "text/html"},
                                      **from_address(30)).data)
    assert root.xpath("//button[@data-query]") and root.xpath("//textarea[@id='query']")
    with client.get("/static/sparql.js") as response:
        script = response.get_data(as_text=True)
    assert "button[data-query]" in script and "getElementById(\"query\")" in script


def test_the_static_files_and_templates_are_package_data() -> None:
    """pyproject's package data for ``endpoints`` covers every file the pages need."""
    with (ROOT / "pyproject.toml").open("rb") as data:
        patterns = tomllib.load(data)["tool"]["setuptools"]["package-data"]["endpoints"]
    needed = [path.relative_to(ENDPOINTS).as_posix() for folder in
              (STATIC_FOLDER, ENDPOINTS / "templates", ENDPOINTS / "sparql" / "templates")
              for path in folder.iterdir() if path.is_file()]
    assert "static/sparql.js" in needed and "static/yuliao.css" in needed
    uncovered = [p for p in needed if not any(fnmatch.fnmatch(p, g) for g in patterns)]
    assert uncovered == []
