"""The API documentation: /api for people and /api/openapi.json, a valid OpenAPI 3.1
document whose every path is a route that answers as documented."""

from __future__ import annotations

from collections.abc import Iterator

import jsonschema
import pytest
from flask import Flask
from flask.testing import FlaskClient
from lxml import html
from openapi_spec_validator import validate

from app import create_app
from repository import Config, Repository
from repository.export import FORMATS
from tests.conftest import yuliao

#: What a path's parameters are filled with to ask it.
EXAMPLES = {"local_id": "00001174", "format": next(iter(FORMATS))}
#: A demo record with a file (demo/files/00000014), for the file's path.
FILE_EXAMPLE = {"local_id": "00000014", "name": "five-language-phrasebook.csv"}
#: Query strings a path needs to answer 200 (OAI-PMH needs a verb, SPARQL a query).
QUERIES = {"/oai": "verb=Identify", "/sparql": "query=ASK%20%7B%7D", "/search": "q=語料"}


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Repository]:
    """The demo home as ``yuliao init --demo`` makes it (with the demo's files)."""
    home = tmp_path_factory.mktemp("api") / "home"
    assert yuliao(home, "init", "--demo").exit_code == 0
    with Repository(Config.from_env(home)) as repository:
        yield repository


@pytest.fixture(scope="module")
def app(repo: Repository) -> Flask:
    return create_app(repository=repo)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def document(app: Flask) -> dict:
    return app.test_client().get("/api/openapi.json").get_json()


def test_the_openapi_document_is_valid_openapi_3_1(document: dict) -> None:
    validate(document)
    assert document["openapi"] == "3.1.0"


def test_the_document_states_the_configured_limits(document: dict, app: Flask) -> None:
    settings = app.config["YULIAO"]
    sparql = document["paths"]["/sparql"]["get"]["description"]
    assert f"{settings.sparql.time_limit:g} s" in sparql
    assert f"{settings.sparql.max_rows:,} rows" in sparql
    assert f"{settings.oai.page_size} records a page" in document["paths"]["/oai"]["get"][
        "description"]


def operations(document: dict) -> list[tuple[str, dict]]:
    return [(path, spec["get"]) for path, spec in document["paths"].items()]


def test_every_documented_path_answers_as_documented(document: dict,
                                                     client: FlaskClient) -> None:
    for path, operation in operations(document):
        url = path.format(**{**EXAMPLES, **(FILE_EXAMPLE if '{name}' in path else {})})
        query = QUERIES.get(path)
        response = client.get(f"{url}?{query}" if query else url)
        response.close()  # a file is streamed from its open file
        assert str(response.status_code) in operation["responses"], (url, response.status)
        assert response.status_code == 200, (url, response.status)
        documented = operation["responses"]["200"]["content"]
        assert response.mimetype in documented, (url, response.mimetype, list(documented))


def test_every_documented_path_is_a_route(document: dict, app: Flask) -> None:
    routes = app.url_map.bind("localhost")
    for path in document["paths"]:
        endpoint, _ = routes.match(path.format(**{**EXAMPLES, **FILE_EXAMPLE}), method="GET")
        assert endpoint != "records.page" or path == "/record/{local_id}", path


@pytest.mark.parametrize("query", ["q=語料", "q=dictionay", "facet=language:nan&sort=title",
                                   "q=Tâi-gí&size=5&page=1"])
def test_search_answers_match_the_documented_schema(document: dict, client: FlaskClient,
                                                    query: str) -> None:
    answer = client.get(f"/search?{query}&format=json").get_json()
    jsonschema.validate(answer, document["components"]["schemas"]["SearchResults"])


def test_a_refused_search_matches_the_documented_error(document: dict,
                                                       client: FlaskClient) -> None:
    response = client.get("/search?size=1000&format=json")
    assert response.status_code == 400
    jsonschema.validate(response.get_json(), document["components"]["schemas"]["Error"])


@pytest.mark.parametrize(("lang", "heading"), [("zh-Hant", "以程式讀取本目錄"),
                                               ("en", "reading this catalogue from programs")])
def test_the_api_page_reads_in_the_readers_language(client: FlaskClient, lang: str,
                                                    heading: str) -> None:
    client.set_cookie("lang", lang)
    page = html.fromstring(client.get("/api").data)
    assert heading in page.findtext(".//h1")
    assert page.xpath("//a[@href='/api/openapi.json']")


def test_home_and_every_page_link_to_the_api(client: FlaskClient) -> None:
    home = html.fromstring(client.get("/").data)
    assert len(home.xpath("//a[@href='/api']")) == 2  # services, and the footer's site map
