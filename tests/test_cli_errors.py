"""The command line's failures: one line naming what is wrong and what to do, exit status 1,
no traceback, no usage block, nothing half-written, and no home made by mistake."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from click.testing import Result

from tests.conftest import ROOT, free_port
from tests.conftest import yuliao as run

#: Seconds `yuliao serve` may take to answer its first request.
SERVER_START_S = 60.0


def assert_one_line_failure(result: Result, *wanted: str) -> None:
    """Exit status 1 and a single ``yuliao: …`` line holding every text in ``wanted``."""
    lines = result.output.splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("yuliao: "), result.output
    for text in wanted:
        assert text in lines[0], (text, lines[0])


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    assert run(home, "init", "--demo").exit_code == 0
    return home


def test_dump_into_a_folder_that_does_not_exist_names_it_and_writes_nothing(
        demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.nq"
    result = run(demo_home, "dump", str(target))
    assert_one_line_failure(result, str(target), "folder", "does not exist")
    assert not target.parent.exists()


def test_dump_onto_a_folder_says_a_file_name_is_expected(demo_home: Path,
                                                        tmp_path: Path) -> None:
    result = run(demo_home, "dump", str(tmp_path))
    assert_one_line_failure(result, str(tmp_path), "is a folder")
    assert list(tmp_path.iterdir()) == []


def test_export_into_a_folder_that_does_not_exist_names_it(demo_home: Path,
                                                           tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.xml"
    result = run(demo_home, "export", "--format", "olac", "--id", "00001174",
                 "-o", str(target))
    assert_one_line_failure(result, str(target), "does not exist")


def test_a_failed_export_leaves_the_previous_file_and_no_temporary_file(
        demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "record.xml"
    target.write_text("the previous export")
    result = run(demo_home, "export", "--format", "olac", "--id", "nowhere.org:1",
                 "-o", str(target))
    assert_one_line_failure(result, "no record nowhere.org:1")
    assert target.read_text() == "the previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["record.xml"]


def test_a_successful_export_replaces_the_file_whole(demo_home: Path, tmp_path: Path) -> None:
    target = tmp_path / "record.xml"
    target.write_text("the previous export")
    result = run(demo_home, "export", "--format", "olac", "--id", "00001174",
                 "-o", str(target))
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"<?xml") and b"</olac:olac>" in target.read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == ["record.xml"]


def test_restore_of_a_missing_file_is_one_line_not_a_usage_block(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    result = run(home, "restore", "missing.nq")
    assert_one_line_failure(result, "missing.nq", "no such file")
    assert "Usage" not in result.output


def test_restore_of_a_folder_is_one_line(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    result = run(home, "restore", str(tmp_path))
    assert_one_line_failure(result, str(tmp_path), "is a folder")


COMMANDS_NEEDING_A_HOME = [
    ["export", "--format", "nquads"],
    ["export", "--format", "olac", "--id", "00001174"],
    ["import", "{fixture}"],
    ["dump", "{tmp}/dump.nq"],
    ["restore", "{fixture}"],
    ["reindex"],
    ["serve", "--port", "1"],
    ["sources", "list"],
    ["sources", "show", "paradisec"],
    ["sources", "remove", "paradisec"],
    ["sources", "add", "paradisec", "--kind", "oai-pmh", "--url", "http://x.org/oai"],
    ["harvest", "paradisec"],
    ["harvest", "--log"],
    ["users", "list"],
    ["users", "add", "lin@example.org", "--role", "platform-admin"],
    ["users", "add", "lin@example.org", "--role", "data-provider", "--agency", "A29000000G"],
    ["users", "disable", "lin@example.org"],
    ["users", "reset-password", "lin@example.org"],
    ["agencies", "list"],
    ["agencies", "add", "A29000000G", "--name-zh", "數位發展部", "--name-en", "MODA"],
]


@pytest.mark.parametrize("args", COMMANDS_NEEDING_A_HOME, ids=lambda a: " ".join(a[:2]))
def test_every_command_but_init_refuses_a_home_that_does_not_exist_and_makes_none(
        tmp_path: Path, args: list[str]) -> None:
    record = tmp_path / "record.xml"
    record.write_text("<x/>")
    typo = tmp_path / "typo"
    filled = [a.format(fixture=record, tmp=tmp_path) for a in args]
    result = run(typo, *filled)
    assert_one_line_failure(result, f"no Yuliao home at {typo}", "yuliao init")
    assert not typo.exists()


def test_init_makes_the_home_the_other_commands_then_use(tmp_path: Path) -> None:
    home = tmp_path / "new"
    assert run(home, "init").exit_code == 0
    result = run(home, "export", "--format", "nquads")
    assert result.exit_code == 0 and result.output == ""


@pytest.fixture(scope="module")
def served_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("served") / "home"
    assert run(home, "init").exit_code == 0
    return home


@pytest.fixture(scope="module")
def running_server(served_home: Path) -> Iterator[str]:
    """``yuliao serve`` on ``served_home`` in its own process, answering; stopped after the
    module's tests."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "--home", str(served_home), "serve", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)})
    url = f"http://127.0.0.1:{port}/oai"
    try:
        _wait_until_answering(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(30)


def _wait_until_answering(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"yuliao serve exited with status {process.returncode}")
        try:
            if requests.get(url, params={"verb": "Identify"}, timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.2)
    pytest.fail(f"yuliao serve did not answer within {SERVER_START_S:g} s")


@pytest.mark.parametrize("args", [["export", "--format", "nquads"], ["reindex"],
                                  ["sources", "list"], ["harvest", "--log"]],
                         ids=lambda a: " ".join(a[:2]))
def test_a_store_held_by_a_running_server_says_so_and_what_to_do(
        served_home: Path, running_server: str, args: list[str]) -> None:
    result = run(served_home, *args)
    assert_one_line_failure(result, "held by another process", "yuliao serve",
                            "stop", "docs/deployment.md")
    assert "LOCK" not in result.output
    assert requests.get(running_server, params={"verb": "Identify"}, timeout=10).ok


def test_restore_into_a_home_that_holds_records_says_to_make_a_new_one(
        demo_home: Path, tmp_path: Path) -> None:
    dump = tmp_path / "dump.nq"
    assert run(demo_home, "dump", str(dump)).exit_code == 0
    result = run(demo_home, "restore", str(dump))
    assert_one_line_failure(result, "restore needs an empty home", str(demo_home), "init")


def test_listing_or_harvesting_no_sources_says_so(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    for args in (["sources", "list"], ["harvest", "--all"]):
        result = run(home, *args)
        assert result.exit_code == 0
        assert result.output.startswith("no harvest sources yet"), args
