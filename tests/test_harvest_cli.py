"""``yuliao sources`` and ``yuliao harvest`` end to end, including a harvest killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from app import main
from harvest.sources import Registry
from repository import Config, Repository
from tests.conftest import ROOT, shared_path
from tests.harvest_server import Reply, Server, serving

OAI = "{http://www.openarchives.org/OAI/2.0/}"


def fixture(name: str) -> bytes:
    return shared_path("fixtures", "oai", name).read_bytes()


def token_of(body: bytes) -> str:
    return etree.fromstring(body).findtext(f".//{OAI}resumptionToken").strip()


def cli(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args])


def route_zenodo(server: Server, page2: Reply | None = None) -> None:
    pages = [fixture(f"zenodo_ListRecords_oai_dc_{n}.xml")
             for n in ("page1_token", "page2_deleted", "page3_last")]
    server.route("/oai", Reply(fixture("clarin_vienna_Identify.xml")), query={"verb": "Identify"})
    server.route("/oai", Reply(pages[0]), query={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    server.route("/oai", page2 or Reply(pages[1]),
                 query={"verb": "ListRecords", "resumptionToken": token_of(pages[0])})
    server.route("/oai", Reply(pages[2]),
                 query={"verb": "ListRecords", "resumptionToken": token_of(pages[1])})


def add_zenodo(home: Path, server: Server, *extra: str) -> None:
    """Make ``home`` (yuliao init) and register the scripted Zenodo source in it."""
    made = cli(home, "init")
    assert made.exit_code == 0, made.output
    result = cli(home, "sources", "add", "zenodo", "--kind", "oai-pmh",
                 "--url", f"{server.base}/oai", "--prefix", "oai_dc", *extra)
    assert result.exit_code == 0, result.output


def test_sources_are_added_listed_shown_and_removed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert cli(home, "init").exit_code == 0
    added = cli(home, "sources", "add", "paradisec", "--kind", "oai-pmh", "--url",
                "http://catalog.paradisec.org.au/oai/item", "--schedule", "1d",
                "--delete-missing", "--licence", "CC-BY-4.0", "--set", "language:tay")
    assert added.exit_code == 0, added.output
    listed = cli(home, "sources", "list").output
    assert "paradisec" in listed and "1d" in listed and "never harvested" in listed
    shown = cli(home, "sources", "show", "paradisec").output
    assert "language:tay" in shown and "CC-BY-4.0" in shown and "delete missing:  yes" in shown
    assert cli(home, "sources", "remove", "paradisec").exit_code == 0
    assert "paradisec" not in cli(home, "sources", "list").output


@pytest.mark.parametrize(("args", "message"), [
    (["--kind", "ftp", "--url", "http://x.org/oai"], "Invalid value for '--kind'"),
    (["--kind", "oai-pmh", "--url", "not a url"], "needs an http(s) base URL"),
    (["--kind", "oai-pmh", "--url", "http://x.org/oai", "--schedule", "often"], "schedule"),
    (["--kind", "oai-pmh", "--url", "http://x.org/oai", "--licence", "GPL"], "unknown licence"),
])
def test_a_bad_source_is_refused_with_the_field_named(tmp_path: Path, args, message) -> None:
    result = cli(tmp_path / "home", "sources", "add", "bad", *args)
    assert result.exit_code != 0
    assert message in result.output


def test_harvest_reports_counts_and_the_log_lists_the_run(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serving() as server:
        route_zenodo(server)
        add_zenodo(home, server)
        result = cli(home, "harvest", "zenodo")
    assert result.exit_code == 0, result.output
    assert "zenodo: 8 new, 0 updated, 0 unchanged, 1 deleted, 0 quarantined in 3 pages" \
        in result.output
    log = cli(home, "harvest", "--log").output
    assert "zenodo" in log and "completed" in log and "8 new" in log


def test_a_failed_harvest_exits_non_zero_and_names_the_request(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serving() as server:
        route_zenodo(server, page2=Reply(b"<html>oops</html>", 200))
        add_zenodo(home, server)
        result = cli(home, "harvest", "zenodo")
    assert result.exit_code == 1
    assert "FAILED" in result.output and "not an OAI-PMH response" in result.output


def test_watch_runs_the_sources_that_are_due(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with serving() as server:
        route_zenodo(server)
        add_zenodo(home, server, "--schedule", "1h")
        first = cli(home, "harvest", "--watch", "--cycles", "2", "--tick", "0")
    assert first.exit_code == 0, first.output
    assert first.output.count("zenodo: 8 new") == 1  # due once, then not again within the hour


def test_a_harvest_killed_mid_run_resumes_without_losing_or_duplicating_records(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    page2_asked = threading.Event()
    with serving() as server:
        route_zenodo(server, page2=Reply(b"", delay=30))  # page 2 hangs: the kill comes first
        add_zenodo(home, server)

        def watch(path: str, query: dict[str, str]) -> None:
            if "resumptionToken" in query:
                page2_asked.set()

        server.on_request = watch
        process = subprocess.Popen(
            [sys.executable, "-m", "app", "--home", str(home), "harvest", "zenodo"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            assert page2_asked.wait(60), "the harvest never asked for page 2"
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        with Repository(Config(home=home)) as repository:
            source = Registry(repository).get("zenodo")
            assert source.harvested_until is None  # it did not finish: no date is claimed
            assert source.checkpoint.pages == 1
            assert len(repository.local_ids(public=True)) == 3  # page 1 was committed
        server.on_request = None
        route_zenodo(server)
        server.seen.clear()
        result = cli(home, "harvest", "zenodo")
        asked = [query for _, query in server.seen]
    assert result.exit_code == 0, result.output
    assert "resumed run" in result.output
    assert all("metadataPrefix" not in query for query in asked)  # never from the start
    with Repository(Config(home=home)) as repository:
        assert len(repository.local_ids(public=True)) == 8
        assert Registry(repository).get("zenodo").harvested_until is not None
