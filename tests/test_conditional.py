"""Conditional GET of /catalog and /.well-known/void (validators from the dissemination index,
304 before anything is built) and the cache of rendered record pages (no store read for a
page whose revision is cached; a new revision is rendered anew; bounded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from app import create_app
from endpoints.conditional import Validators
from endpoints.page_cache import CachedPage, PageCache
from repository import Config, Repository
from repository.records import utc_text
from tests.conftest import CountingStore
from tests.oai_support import dataset, tick

TURTLE = {"Accept": "text/turtle"}


@pytest.fixture
def repo(tmp_path: Path, monkeypatch) -> Iterator[Repository]:
    tick(monkeypatch)
    with Repository(Config(home=tmp_path / "home")) as repository:
        repository.save_batch([dataset(repository, "00000001"),
                               dataset(repository, "00000002")], publish=True)
        yield repository


@pytest.fixture
def app(repo: Repository) -> Iterator[Flask]:
    application = create_app(repository=repo)
    yield application
    refreshing = application.extensions["yuliao.void"].refreshing
    if refreshing is not None:
        refreshing.join(timeout=30)


def count_reads(repo: Repository) -> CountingStore:
    repo.public = CountingStore(repo.public)
    return repo.public


# -- /catalog ----------------------------------------------------------------------------------


def test_the_catalog_carries_validators_from_the_index(app, repo) -> None:
    response = app.test_client().get("/catalog", headers=TURTLE)
    assert response.headers["ETag"].startswith('W/"')  # equal, not byte for byte
    assert utc_text(response.last_modified) == repo.disseminations.latest_datestamp()
    assert response.headers["Cache-Control"] == "no-cache"


def test_a_catalog_page_the_client_holds_is_304_without_reading_a_record(app, repo) -> None:
    client = app.test_client()
    first = client.get("/catalog", headers=TURTLE)
    reads = count_reads(repo)
    again = client.get("/catalog", headers={**TURTLE, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"] and "Accept" in again.headers["Vary"]
    since = client.get("/catalog", headers={**TURTLE,
                                            "If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    assert reads.calls == []


def test_the_catalog_etag_changes_with_the_data_the_page_and_the_format(app, repo) -> None:
    client = app.test_client()
    tag = client.get("/catalog", headers=TURTLE).headers["ETag"]
    assert client.get("/catalog", headers={"Accept": "application/ld+json"}).headers["ETag"] != tag
    assert client.get("/catalog?page=1", headers=TURTLE).headers["ETag"] != tag
    repo.save_batch([dataset(repo, "00000003")], publish=True)
    changed = client.get("/catalog", headers={**TURTLE, "If-None-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert b"00000003" in changed.data


def test_a_bad_page_is_still_an_error_for_a_conditional_request(app) -> None:
    client = app.test_client()
    held = client.get("/catalog", headers=TURTLE).headers["Last-Modified"]
    assert client.get("/catalog?page=9", headers={"If-Modified-Since": held}).status_code == 404


# -- VoID --------------------------------------------------------------------------------------


def test_void_is_304_for_the_description_the_client_holds_until_it_is_recomputed(app,
                                                                              repo) -> None:
    client = app.test_client()
    first = client.get("/.well-known/void", headers=TURTLE)
    tag = first.headers["ETag"]
    assert first.status_code == 200 and tag.startswith('W/"') and first.headers["Last-Modified"]
    assert client.get("/.well-known/void",
                      headers={**TURTLE, "If-None-Match": tag}).status_code == 304
    repo.withdraw("00000002")
    # the description being served is still the one the client holds; a new one is computed
    assert client.get("/.well-known/void",
                      headers={**TURTLE, "If-None-Match": tag}).status_code == 304
    app.extensions["yuliao.void"].refreshing.join(timeout=30)
    fresh = client.get("/.well-known/void", headers={**TURTLE, "If-None-Match": tag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != tag


# -- the cache of record pages -------------------------------------------------------------------


@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_a_cached_record_page_is_served_without_reading_the_store(app, repo, accept) -> None:
    client = app.test_client()
    first = client.get("/record/00000001", headers={"Accept": accept})
    reads = count_reads(repo)
    again = client.get("/record/00000001", headers={"Accept": accept})
    assert reads.calls == []
    assert (again.status_code, again.data, again.headers["ETag"], again.headers["Link"],
            again.content_type) == (200, first.data, first.headers["ETag"],
                                    first.headers["Link"], first.content_type)
    held = client.get("/record/00000001", headers={"Accept": accept,
                                                  "If-None-Match": first.headers["ETag"]})
    assert held.status_code == 304 and reads.calls == []
    assert app.extensions["yuliao.pages"].hits == 2


def test_a_record_changed_since_its_page_was_cached_is_rendered_anew(app, repo) -> None:
    client = app.test_client()
    first = client.get("/record/00000001")
    repo.save_batch([dataset(repo, "00000001", "新的名稱")], publish=True)
    reads = count_reads(repo)
    again = client.get("/record/00000001")
    assert reads.calls != []
    assert "新的名稱" in again.get_data(as_text=True)
    assert again.headers["ETag"] != first.headers["ETag"]


def test_a_catalog_page_is_built_once_per_version_of_the_index(app, repo) -> None:
    client = app.test_client()
    first = client.get("/catalog", headers={"Accept": "text/turtle"})
    reads = count_reads(repo)
    again = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert reads.calls == [] and (again.status_code, again.data) == (200, first.data)
    assert again.headers["ETag"] == first.headers["ETag"]
    repo.save_batch([dataset(repo, "00000001", "新的名稱")], publish=True)
    changed = client.get("/catalog", headers={"Accept": "text/turtle"})
    assert reads.calls != [] and "新的名稱" in changed.get_data(as_text=True)


def test_a_withdrawn_record_is_not_served_from_the_cache(app, repo) -> None:
    client = app.test_client()
    assert client.get("/record/00000002").status_code == 200
    repo.withdraw("00000002")
    assert client.get("/record/00000002").status_code == 410


def page(size: int) -> CachedPage:
    return CachedPage(b"x" * size, "text/html", (), Validators("tag"))


def key(name: str) -> tuple[str, str, str, str]:
    return name, "html", "2026-03-01T08:00:00Z", ""


def test_the_page_cache_keeps_the_most_recently_used_pages_within_its_count() -> None:
    cache = PageCache(max_entries=3, max_bytes=1000)
    for name in "abc":
        cache.put(key(name), page(10))
    assert cache.get(key("a")) is not None  # now the most recently used
    cache.put(key("d"), page(10))
    assert [cache.get(key(name)) is not None for name in "abcd"] == [True, False, True, True]


def test_the_page_cache_keeps_its_bytes_within_bounds() -> None:
    cache = PageCache(max_entries=100, max_bytes=1000)
    for name in "abcde":
        cache.put(key(name), page(240))
    assert [cache.get(key(name)) is not None for name in "abcde"] == [False] + [True] * 4
    cache.put(key("huge"), page(251))  # over a quarter of the bytes: not kept
    assert cache.get(key("huge")) is None and len(cache) == 4
