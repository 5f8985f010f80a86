"""Per-source request limits: ``yuliao sources add … --timeout --connect-timeout --total-time
--max-bytes --retries`` are checked (an error names the option), stored with the source, shown
by ``sources show`` and obeyed by its harvests, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from harvest.fetch import Limits
from harvest.sources import Registry, RequestLimits
from repository import Config, Repository
from tests.conftest import shared_path
from tests.conftest import yuliao as cli
from tests.harvest_server import Reply, Server, serving


@pytest.fixture
def home(initialised_home: Path) -> Path:
    return initialised_home


def add(home: Path, server: Server, *limits: str) -> None:
    result = cli(home, "sources", "add", "slow", "--kind", "oai-pmh", "--url",
                 f"{server.base}/oai", "--prefix", "oai_dc", *limits)
    assert result.exit_code == 0, result.output


def test_limits_are_stored_with_the_source_and_shown_beside_the_defaults(home: Path) -> None:
    result = cli(home, "sources", "add", "paradisec", "--kind", "oai-pmh", "--url",
                 "http://catalog.paradisec.org.au/oai/item", "--timeout", "0.5",
                 "--max-bytes", "64k", "--retries", "0")
    assert result.exit_code == 0, result.output
    with Repository(Config(home=home)) as repository:
        source = Registry(repository).get("paradisec")
    assert source.limits == RequestLimits(timeout=0.5, max_bytes=64 * 1024, retries=0)
    assert source.limits.fetch_limits() == Limits(read_timeout=0.5, max_bytes=65536, retries=0)
    shown = cli(home, "sources", "show", "paradisec").output.splitlines()
    assert "timeout:         0.5 s" in shown
    assert "max-bytes:       64K" in shown
    assert "retries:         0" in shown
    assert "connect-timeout: 10 s (default)" in shown
    assert "total-time:      300 s (default)" in shown


@pytest.mark.parametrize(("option", "value"), [
    ("--timeout", "0"), ("--timeout", "soon"), ("--connect-timeout", "301"),
    ("--total-time", "-1"), ("--max-bytes", "12"), ("--max-bytes", "64 parsecs"),
    ("--max-bytes", "17G"), ("--retries", "11"), ("--retries", "1.5"),
])
def test_a_limit_out_of_range_is_refused_naming_the_option(home: Path, option: str,
                                                           value: str) -> None:
    result = cli(home, "sources", "add", "bad", "--kind", "oai-pmh", "--url",
                 "http://x.org/oai", option, value)
    assert result.exit_code == 1
    assert len(result.output.splitlines()) == 1
    assert option in result.output and repr(value) in result.output and "expected" in result.output
    assert "bad" not in cli(home, "sources", "list").output


def zenodo_page() -> bytes:
    return shared_path("fixtures", "oai", "zenodo_ListRecords_oai_dc_page3_last.xml").read_bytes()


def test_a_response_over_the_sources_max_bytes_fails_the_harvest_naming_the_limit(
        home: Path) -> None:
    page = zenodo_page()
    assert len(page) > 2048
    with serving() as server:
        server.route("/oai", Reply(page))
        add(home, server, "--max-bytes", "1k")
        result = cli(home, "harvest", "slow")
    assert result.exit_code == 1
    assert f"response of {len(page):,} bytes is over the limit of 1,024 bytes" in result.output


def test_the_same_response_within_the_default_size_is_harvested(home: Path) -> None:
    with serving() as server:
        server.route("/oai", Reply(zenodo_page()))
        add(home, server)
        result = cli(home, "harvest", "slow")
    assert result.exit_code == 0, result.output
    assert "slow: 3 new" in result.output


def test_a_never_ending_response_is_cut_at_the_sources_total_time(home: Path) -> None:
    with serving() as server:
        server.route("/oai", Reply(drip=True, declare_length=False))
        add(home, server, "--total-time", "0.5", "--retries", "0")
        result = cli(home, "harvest", "slow")
        asked = len(server.seen)
    assert result.exit_code == 1
    assert "still arriving after 0.5 s" in result.output
    assert asked == 1  # --retries 0: no second attempt


def test_a_slow_server_is_given_up_on_after_the_sources_timeout_and_retries(home: Path) -> None:
    with serving() as server:
        server.route("/oai", Reply(zenodo_page(), delay=1.0))
        add(home, server, "--timeout", "0.2", "--retries", "0")
        result = cli(home, "harvest", "slow")
        asked = len(server.seen)
    assert result.exit_code == 1
    assert "gave up after 1 attempt: connection failed" in result.output
    assert asked == 1
