"""An import killed with SIGKILL at any point leaves every record wholly before or wholly after,
in both areas and both indexes: what the kill cut short is in the journal, ``yuliao check``
reports it, ``check --repair`` (or opening the home) finishes it, and nothing that was written
is lost. Real processes, real stores; on the embedded store and on Oxigraph servers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from app import main
from bench.ingest import write_files
from repository import Config, Repository
from repository.integrity import Check
from repository.records import statements

from .conftest import ROOT, OxigraphServers
from .kill_import import BATCH_SIZE, COMMITTED

RECORDS = 125  # in one file: five batches of BATCH_SIZE
STEPS = ("begin", "work", "public", "index", "text", "end")
#: Steps after which the batch killed is half-written: its copies disagree.
HALF_WRITTEN = ("work", "public", "index")
KILL_WAIT_S = 120


def run(home: Path, *args: str):
    return CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)


def kill_import(home: Path, step: str, batch: int, what: list[Path] | list[str]) -> set[str]:
    """Run tests/kill_import.py (importing the files ``what``, or ``["--harvest", SOURCE]``)
    until it kills itself; the local ids it had committed."""
    done = subprocess.run([sys.executable, "-m", "tests.kill_import", str(home), step,
                           str(batch), *map(str, what)], cwd=ROOT, env=dict(os.environ),
                          capture_output=True, timeout=KILL_WAIT_S)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    return committed(home)


def committed(home: Path) -> set[str]:
    path = home / COMMITTED
    return set(path.read_text(encoding="utf-8").split()) if path.exists() else set()


def look_before_recovery(home: Path) -> tuple[set[str], set[str], int]:
    """The records whose copies disagree, those the journal's unfinished intents name, and
    how many the work area holds, seen before anything is finished."""
    with Repository(Config.from_env(home), recover=False) as repository:
        check = Check(repository)
        disagreeing = {problem.local_id for problem in check.run()}
        unfinished = {i for intent in check.unfinished for i in intent.local_ids}
        return disagreeing, unfinished, check.sizes["work"]


def assert_wholly_written(home: Path, committed_ids: set[str], files: list[Path]) -> None:
    """``check`` finds nothing; every record in the work area is published with the same
    statements in the public area, the committed ones among them; importing the files again
    finds every one of them unchanged and none updated."""
    result = run(home, "check")
    assert result.exit_code == 0 and "0 problems in 0 records" in result.output, result.output
    with Repository(Config.from_env(home)) as repository:
        held = set(repository.local_ids())
        assert committed_ids <= held
        for local_id in held:
            graph = repository.ids.graph(local_id)
            work = repository.work.graph(graph)
            assert set(statements(work)) == set(statements(repository.public.graph(graph)))
            assert repository.get(local_id).state == "published"
        assert len(repository.disseminations) == len(repository.text_index) == len(held)
    again = run(home, "import", *map(str, files))
    assert again.exit_code == 0, again.output
    assert f"{RECORDS} records: {counts(new=RECORDS - len(held), unchanged=len(held))}" in (
        again.output)


def counts(**numbers: int) -> str:
    """What a summary says of these numbers: the ones that are not zero, in order."""
    return ", ".join(f"{number} {name}" for name, number in numbers.items() if number)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_files(tmp_path_factory.mktemp("records"), RECORDS, RECORDS)


@pytest.mark.parametrize("step", STEPS)
def test_an_import_killed_after_any_step_is_found_by_check_and_repaired_without_loss(
        step: str, files: list[Path], tmp_path: Path) -> None:
    """The third batch killed right after ``step`` (the other writer thread may be anywhere
    in the batch before or after it)."""
    home = tmp_path / "home"
    committed_ids = kill_import(home, step, 3, files)
    if step == "end":
        assert len(committed_ids) == 3 * BATCH_SIZE
    disagreeing, unfinished, _ = look_before_recovery(home)
    assert disagreeing <= unfinished  # the journal names every record the kill cut short
    assert disagreeing or step not in HALF_WRITTEN
    assert unfinished or step == "end"
    found = run(home, "check")
    assert found.exit_code == (1 if unfinished else 0), found.output
    assert all(f"{local_id}: " in found.output for local_id in disagreeing)
    repaired = run(home, "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert ("0 problems remain" in repaired.output) == bool(unfinished)
    assert_wholly_written(home, committed_ids, files)


def test_opening_the_home_after_a_kill_finishes_what_the_journal_names(
        files: list[Path], tmp_path: Path) -> None:
    home = tmp_path / "home"
    committed_ids = kill_import(home, "index", 2, files)
    disagreeing, unfinished, _ = look_before_recovery(home)
    assert disagreeing and disagreeing <= unfinished
    with Repository(Config.from_env(home)) as repository:
        assert {i for intent in repository.recovered for i in intent.local_ids} == unfinished
    assert not any(Path(home, "journal").glob("*.lock"))  # the dead owner's lock file went
    assert_wholly_written(home, committed_ids, files)


def test_a_harvest_killed_mid_batch_is_finished_when_it_runs_again(
        files: list[Path], tmp_path: Path) -> None:
    """A harvest of a static repository (one page, five batches) killed after the public
    write of its third batch: the next harvest's opening finishes it, the run starts the page
    again, and every record ends up wholly written, none counted as updated."""
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    added = run(home, "sources", "add", "bench", "--kind", "olac-static", "--url", str(files[0]))
    assert added.exit_code == 0, added.output
    committed_ids = kill_import(home, "public", 3, ["--harvest", "bench"])
    disagreeing, unfinished, held = look_before_recovery(home)
    assert disagreeing and disagreeing <= unfinished
    again = run(home, "harvest", "bench")
    assert again.exit_code == 0, again.output
    assert "yuliao: finished journal entry" in again.output
    assert f"bench: {RECORDS - held} new, 0 updated, {held} unchanged" in again.output
    assert_wholly_written(home, committed_ids, files)


def test_yuliao_import_killed_at_a_moment_in_its_run_loses_nothing(
        files: list[Path], tmp_path: Path) -> None:
    """The real command, killed once it has indexed some records (wherever it is then)."""
    home = tmp_path / "home"
    assert run(home, "init").exit_code == 0
    process = subprocess.Popen([sys.executable, "-m", "app", "--home", str(home), "import",
                                *map(str, files)], cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        wait_for_rows(home / "oai.sqlite", BATCH_SIZE, process)
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    repaired = run(home, "check", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert_wholly_written(home, set(), files)


def wait_for_rows(index: Path, rows: int, process: subprocess.Popen) -> None:
    """Until the dissemination index holds ``rows`` rows (read beside the writer)."""
    deadline = time.monotonic() + KILL_WAIT_S
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with sqlite3.connect(f"file:{index}?mode=ro", uri=True) as db:
                if db.execute("SELECT COUNT(*) FROM records").fetchone()[0] >= rows:
                    return
        except sqlite3.Error:
            pass  # not made yet
        time.sleep(0.02)
    raise AssertionError("the import never indexed a batch")


@pytest.mark.parametrize("step", ["work", "index"])
def test_an_import_into_a_remote_store_killed_mid_batch_is_repaired_without_loss(
        step: str, files: list[Path], tmp_path: Path, oxigraph: OxigraphServers,
        monkeypatch: pytest.MonkeyPatch) -> None:
    work, public = oxigraph.pair(0)
    work.clear()
    public.clear()
    monkeypatch.setenv("YULIAO_STORE", f"sparql+{work.url}")
    monkeypatch.setenv("YULIAO_PUBLIC_STORE", f"sparql+{public.url}")
    home = tmp_path / "home"
    committed_ids = kill_import(home, step, 2, files)
    disagreeing, unfinished, _ = look_before_recovery(home)
    assert disagreeing and disagreeing <= unfinished
    assert run(home, "check").exit_code == 1
    assert run(home, "check", "--repair").exit_code == 0
    assert_wholly_written(home, committed_ids, files)
