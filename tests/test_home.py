"""The home page served over real HTTP on 127.0.0.1: published records only, every format."""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from werkzeug.serving import make_server

from app import create_app
from repository import Config, Record, Repository
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
