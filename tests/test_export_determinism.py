"""Exports are deterministic: the same store gives the same bytes in every format, whole
catalogue and single records, in separate processes (each with its own hash seed, which is
what used to reorder rdflib's JSON-LD and our N-Quads) and after dump + restore into another
home."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from repository.config import CONFIG_FILE
from tests.conftest import ROOT, shared_path, yuliao

FIXTURES = ["paradisec_GetRecord_olac_AC1-013.xml", "olac11_static_repository_kayardild.xml",
            "zenodo_ListRecords_oai_dc_50recs_cjk.xml"]
WHOLE = {
    "static-repository.xml": ["--format", "olac"],
    "catalogue.ttl": ["--format", "dcat-ttl"],
    "catalogue.jsonld": ["--format", "dcat-jsonld"],
    "catalogue.rdf": ["--format", "dcat-rdfxml"],
    "all.nq": ["--format", "nquads"],
}
RECORD_FORMATS = ["olac", "oai_dc", "dcat-ttl", "dcat-jsonld", "dcat-rdfxml", "croissant",
                  "nquads"]
#: A corpus dataset of the demo and a harvested OLAC record.
RECORDS = ["00001174", "paradisec.org.au:AC1-013"]
EXPORTS = {**WHOLE, **{f"{local_id.replace(':', '_')}.{fmt}": ["--format", fmt, "--id", local_id]
                       for local_id in RECORDS for fmt in RECORD_FORMATS}}
#: Run in a fresh interpreter: every export of EXPORTS through the command line, one file each.
SESSION = """
import json, sys
from click.testing import CliRunner
from app import main
home, folder, exports = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
for name, args in exports.items():
    result = CliRunner().invoke(main, ["--home", home, "export", *args, "-o", f"{folder}/{name}"])
    if result.exit_code:
        sys.exit(f"{name}: {result.output}")
"""


def run(home: Path, *args: str):
    """``yuliao``, which must succeed."""
    result = yuliao(home, *args)
    assert result.exit_code == 0, result.output
    return result


def export_all(home: Path, folder: Path, hash_seed: int) -> dict[str, bytes]:
    """Every export of EXPORTS from ``home``, made in a new process with ``hash_seed``."""
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", SESSION, str(home), str(folder), json.dumps(EXPORTS)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": str(hash_seed)})
    assert done.returncode == 0, done.stderr
    return {name: (folder / name).read_bytes() for name in EXPORTS}


@pytest.fixture(scope="module")
def origin(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("origin") / "home"
    run(home, "init", "--demo")
    run(home, "import", *[str(shared_path("fixtures", "oai", name)) for name in FIXTURES])
    return home


@pytest.fixture(scope="module")
def first(origin: Path, tmp_path_factory) -> dict[str, bytes]:
    return export_all(origin, tmp_path_factory.mktemp("first") / "exports", hash_seed=1)


def assert_same_bytes(expected: dict[str, bytes], actual: dict[str, bytes]) -> None:
    different = sorted(name for name in expected if expected[name] != actual[name])
    assert not different, f"these exports differ: {different}"
    assert all(len(data) > 100 for data in expected.values())


def test_two_exports_in_a_row_give_the_same_bytes(origin: Path, first: dict[str, bytes],
                                                 tmp_path: Path) -> None:
    assert_same_bytes(first, export_all(origin, tmp_path / "again", hash_seed=2))


def test_exports_after_dump_and_restore_into_another_home_give_the_same_bytes(
        origin: Path, first: dict[str, bytes], tmp_path: Path) -> None:
    dump = tmp_path / "dump.nq.gz"
    run(origin, "dump", str(dump))
    other = tmp_path / "other"
    run(other, "init")
    shutil.copy(origin / CONFIG_FILE, other / CONFIG_FILE)  # the same settings, not data
    run(other, "restore", str(dump))
    assert_same_bytes(first, export_all(other, tmp_path / "restored", hash_seed=3))


def test_two_dumps_of_the_same_store_give_the_same_bytes(origin: Path, tmp_path: Path) -> None:
    for name in ("a.nq.gz", "b.nq.gz"):
        run(origin, "dump", str(tmp_path / name))
    assert (tmp_path / "a.nq.gz").read_bytes() == (tmp_path / "b.nq.gz").read_bytes()
