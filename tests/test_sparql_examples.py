"""The example queries of the query page: titled in zh-Hant and en, each runs over the demo
repository through /sparql without error and returns rows (the demo has data for every one)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from app import create_app
from endpoints.sparql.examples import Example, ExampleError, examples, read_example
from repository import Repository
from tests.oai_support import demo_repository

#: Examples whose answer the demo data makes empty on purpose: none (the harvest provenance
#: example finds the PARADISEC records).
EMPTY_ON_DEMO: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FlaskClient]:
    repository: Repository
    with demo_repository(tmp_path_factory.mktemp("examples") / "home") as repository:
        client = create_app(repository=repository).test_client()
        client.get("/.well-known/void")  # computed at once and stored: example 16 reads it
        yield client


def test_there_are_a_dozen_examples_with_both_titles() -> None:
    assert len(examples()) >= 12
    assert all(e.title_zh and e.title_en for e in examples())
    assert len({e.name for e in examples()}) == len(examples())


@pytest.mark.parametrize("example", examples(), ids=lambda e: e.name)
def test_every_example_runs_and_finds_rows_in_the_demo(client: FlaskClient,
                                                       example: Example) -> None:
    response = client.get("/sparql", query_string={"query": example.query},
                          headers={"Accept": "application/sparql-results+json, "
                                             "application/n-triples;q=0.9"})
    assert response.status_code == 200, response.get_data(as_text=True)
    if response.mimetype == "application/n-triples":
        found = len(response.data.splitlines())
    else:
        document = json.loads(response.data)
        found = document.get("boolean") or len(document["results"]["bindings"])
    assert found or example.name in EMPTY_ON_DEMO


@pytest.mark.parametrize("example", examples()[:3], ids=lambda e: e.name)
def test_every_example_link_on_the_page_runs_in_one_click(client: FlaskClient,
                                                          example: Example) -> None:
    page = client.get("/sparql", headers={"Accept": "text/html"}).get_data(as_text=True)
    link = f"/sparql?query={urllib.parse.quote(example.query, safe='')}&amp;format=html"
    assert link.replace("%20", "+") in page or link in page
    result = client.get(link.replace("&amp;", "&"))
    assert result.status_code == 200 and result.mimetype == "text/html"


def test_an_example_without_titles_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "untitled.rq"
    path.write_text("# title@en: only English\nASK {}\n", encoding="utf-8")
    with pytest.raises(ExampleError, match="title@zh-Hant"):
        read_example(path)
