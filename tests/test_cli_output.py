"""What ``yuliao import`` and ``validate`` print: one summary line naming only what happened,
each number with its noun in the right number, each invalid record on a line of its own, and
nothing else on standard output or standard error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from repository.importer import ImportReport, Outcome, counted
from tests.conftest import ROOT
from tests.conftest import yuliao as cli

RECORD = """<?xml version="1.0" encoding="UTF-8"?>
<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <dc:title xml:lang="en">{title}</dc:title>
 <dc:language xsi:type="olac:language" olac:code="ami"/>
 <dcterms:created xsi:type="dcterms:W3CDTF">1998</dcterms:created>
</olac:olac>
"""
UNTITLED = RECORD.replace('<dc:title xml:lang="en">{title}</dc:title>', "")


def in_own_process(home: Path, *args: str) -> subprocess.CompletedProcess:
    """The real command in its own process, its standard output and error captured apart."""
    return subprocess.run([sys.executable, "-m", "app", "--home", str(home), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture
def home(initialised_home: Path) -> Path:
    return initialised_home


def record_file(folder: Path, name: str, title: str = "Amis word list") -> Path:
    path = folder / name
    path.write_text(RECORD.format(title=title), encoding="utf-8")
    return path


def test_importing_one_record_prints_the_summary_and_nothing_else(home: Path,
                                                                  tmp_path: Path) -> None:
    done = in_own_process(home, "import", str(record_file(tmp_path, "amis.xml")))
    assert done.returncode == 0, done.stderr
    assert done.stdout == "1 record: 1 new\n"
    assert done.stderr == ""


def test_an_invalid_record_gets_one_line_with_its_reason_and_the_summary_counts_it(
        home: Path, tmp_path: Path) -> None:
    good = record_file(tmp_path, "amis.xml")
    bad = tmp_path / "untitled.xml"
    bad.write_text(UNTITLED, encoding="utf-8")
    done = in_own_process(home, "import", str(good), str(bad))
    assert done.returncode == 1
    assert done.stdout == "2 records: 1 new, 1 invalid\n"
    problems = done.stderr.splitlines()
    assert len(problems) == 1
    assert problems[0].startswith(f"{bad}: record import:untitled: invalid — ")
    assert "dct:title" in problems[0] and "invalid: " not in problems[0]


def test_importing_again_says_unchanged_without_listing_what_did_not_happen(
        home: Path, tmp_path: Path) -> None:
    files = [str(record_file(tmp_path, f"r{n}.xml", f"Word list {n}")) for n in range(2)]
    assert cli(home, "import", *files).output == "2 records: 2 new\n"
    assert cli(home, "import", *files).output == "2 records: 2 unchanged\n"


def test_validate_says_valid_and_never_new(tmp_path: Path) -> None:
    result = cli(tmp_path / "never-made", "validate", str(record_file(tmp_path, "amis.xml")))
    assert result.exit_code == 0
    assert result.output == "1 record: 1 valid\n"


@pytest.mark.parametrize(("statuses", "line"), [
    (["new"], "1 record: 1 new"),
    (["new", "new", "invalid"], "3 records: 2 new, 1 invalid"),
    (["unchanged", "updated", "deleted"], "3 records: 1 updated, 1 unchanged, 1 deleted"),
    (["valid", "valid"], "2 records: 2 valid"),
    ([], "no records"),
])
def test_the_summary_names_only_what_happened_in_a_fixed_order(statuses: list[str],
                                                                line: str) -> None:
    report = ImportReport([Outcome("f.xml", f"import:r{n}", status)
                           for n, status in enumerate(statuses)])
    assert report.summary() == line


@pytest.mark.parametrize(("number", "text"), [(0, "0 records"), (1, "1 record"),
                                              (2, "2 records"), (1200, "1,200 records")])
def test_counts_take_the_singular_only_for_one(number: int, text: str) -> None:
    assert counted(number, "record") == text


def test_dump_and_restore_say_how_many_quads_in_the_right_number(home: Path,
                                                                 tmp_path: Path) -> None:
    cli(home, "import", str(record_file(tmp_path, "amis.xml")))
    dump = tmp_path / "dump.nq"
    said = cli(home, "dump", str(dump)).output
    quads = len(dump.read_text(encoding="utf-8").splitlines())
    assert said == f"dumped {quads:,} quads to {dump}\n"
    other = tmp_path / "other"
    cli(other, "init")
    assert cli(other, "restore", str(dump)).output == f"restored {quads:,} quads from {dump}\n"
    assert cli(other, "reindex").output == "reindexed 1 public record\n"
