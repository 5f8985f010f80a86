"""Read-ahead of list pages: the next page is prepared while the harvester reads this one, is
served only while nothing has changed, and never changes what a harvester receives."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import create_app
from endpoints.oai.readahead import ReadAhead
from repository import Config, Repository
from repository.config import OaiSettings, oai_settings
from repository.errors import InputError
from tests.oai_support import Client, dataset, serving_app, tick

PAGE = ([b"<ListRecords>", b"</ListRecords>"], "token-2")


def read_after(pause: float = 0.0, page=PAGE):
    def read():
        time.sleep(pause)
        return page
    return read


# -- the read-ahead itself ---------------------------------------------------------------------


def test_a_prepared_page_is_taken_once_at_its_generation() -> None:
    ahead = ReadAhead()
    assert ahead.prepare("t1", lambda: 7, read_after()) and ahead.wait()
    assert ahead.take("t1", 7) == PAGE
    assert ahead.take("t1", 7) is None
    assert (ahead.hits, ahead.misses) == (1, 1)
    ahead.close()


def test_a_page_prepared_before_a_change_is_thrown_away() -> None:
    ahead = ReadAhead()
    ahead.prepare("t1", lambda: 7, read_after())
    ahead.wait()
    assert ahead.take("t1", 8) is None
    assert ahead.take("t1", 7) is None  # gone: not kept for a later generation either
    ahead.close()


def test_a_page_expires_after_its_time_to_live() -> None:
    ahead = ReadAhead(ttl=0.05)
    ahead.prepare("t1", lambda: 1, read_after())
    ahead.wait()
    time.sleep(0.1)
    assert ahead.take("t1", 1) is None
    ahead.close()


def test_at_most_capacity_pages_are_kept_the_oldest_going_first() -> None:
    ahead = ReadAhead(capacity=2)
    for token in ("a", "b", "c"):
        ahead.prepare(token, lambda: 1, read_after())
        ahead.wait()
    assert [ahead.take(token, 1) is not None for token in ("a", "b", "c")] == [False, True, True]
    ahead.close()


def test_pages_beyond_the_byte_limit_are_not_kept() -> None:
    ahead = ReadAhead(max_bytes=10)
    ahead.prepare("big", lambda: 1, read_after(page=([b"x" * 11], "")))
    ahead.wait()
    assert ahead.take("big", 1) is None
    ahead.close()


def test_a_full_backlog_skips_reading_ahead_rather_than_queueing() -> None:
    ahead = ReadAhead(backlog=1)
    assert ahead.prepare("slow", lambda: 1, read_after(0.2))
    assert not ahead.prepare("next", lambda: 1, read_after())
    assert not ahead.prepare("slow", lambda: 1, read_after())  # already pending
    assert ahead.wait()
    assert ahead.take("slow", 1) == PAGE and ahead.take("next", 1) is None
    ahead.close()


def test_a_page_that_fails_to_be_read_leaves_nothing_behind() -> None:
    def broken():
        raise OSError("disk gone")

    ahead = ReadAhead()
    ahead.prepare("t1", lambda: 1, broken)
    assert ahead.wait()
    assert ahead.take("t1", 1) is None
    assert ahead.prepare("t1", lambda: 1, read_after())  # may be tried again
    ahead.close()


# -- through the provider ----------------------------------------------------------------------


@pytest.fixture
def home(tmp_path: Path, monkeypatch) -> Iterator[Repository]:
    tick(monkeypatch)
    config = Config(home=tmp_path / "home", oai=OaiSettings(page_size=10))
    with Repository(config) as repo:
        repo.save_batch([dataset(repo, f"{n:08d}", f"語料 {n}") for n in range(1, 36)],
                        publish=True)
        yield repo


def without_response_dates(body: bytes) -> bytes:
    """``body`` without what depends on the time of the request: the responseDate, and the
    token's text, its echo in ``<request>`` and its expirationDate (a token carries its
    expiry, so two walks a second apart get different tokens)."""
    body = re.sub(rb"<responseDate>[^<]*</responseDate>", b"", body)
    body = re.sub(rb' expirationDate="[^"]*"', b"", body)
    body = re.sub(rb' resumptionToken="[^"]*"', b' resumptionToken="token"', body)
    return re.sub(rb"(<resumptionToken[^>]*>)[^<]+", rb"\1token", body)


def walk(repo: Repository, read_ahead: bool,
         between=None) -> tuple[list[bytes], ReadAhead | None]:
    """Every page of ListRecords (olac), letting the read-ahead finish between pages; the
    pages without their responseDate, and the server's read-ahead (None when off)."""
    config = Config(home=repo.config.home, oai=OaiSettings(page_size=10, read_ahead=read_ahead))
    app = create_app(config, repo)
    with serving_app(app) as url:
        client, bodies = Client(url), []
        reply = client.get(verb="ListRecords", metadataPrefix="olac")
        while True:
            bodies.append(without_response_dates(reply.body))
            token = reply.token()
            if token is None or not token.text:
                break
            ahead = app.extensions.get("yuliao.oai.read_ahead")
            assert ahead is None or ahead.wait()
            if between:
                between(len(bodies))
            reply = client.get(verb="ListRecords", resumptionToken=token.text)
    return bodies, app.extensions.get("yuliao.oai.read_ahead")


def test_a_harvest_with_read_ahead_receives_exactly_what_one_without_it_does(home) -> None:
    plain, none = walk(home, read_ahead=False)
    ahead_bodies, ahead = walk(home, read_ahead=True)
    assert none is None and len(plain) == 4
    assert ahead_bodies == plain
    assert (ahead.hits, ahead.misses) == (3, 0)


def test_a_page_read_ahead_before_a_change_is_read_again_fresh(home) -> None:
    def change(pages_read: int) -> None:
        if pages_read == 2:  # page 3 (records 21-30) is prepared already; this makes it stale
            home.save_batch([dataset(home, "00000025", "改過的語料")], publish=True)

    bodies, ahead = walk(home, read_ahead=True, between=change)
    assert ahead.misses == 1
    records = re.findall(rb"<identifier>oai:[^<]*:(\d{8})</identifier>", b"".join(bodies))
    assert sorted(records) == sorted({*records}) and len(records) == 35
    assert records[-1] == b"00000025"  # moved to the end by its new datestamp, seen once
    assert "語料 25".encode() not in b"".join(bodies)
    assert "改過的語料".encode() in bodies[-1]


# -- the setting ---------------------------------------------------------------------------


def test_read_ahead_is_on_by_default_and_can_be_turned_off() -> None:
    base = "https://yuliao.example.org/"
    assert oai_settings({}, base).read_ahead is True
    assert oai_settings({"read_ahead": False}, base).read_ahead is False


def test_a_read_ahead_setting_that_is_not_a_boolean_is_refused_by_name() -> None:
    with pytest.raises(InputError, match="oai.read_ahead") as raised:
        oai_settings({"read_ahead": "yes"}, "https://yuliao.example.org/")
    assert "true or false" in str(raised.value)
