"""``yuliao files add``: files taken in from the terminal become distributions of a new draft
revision (checksums that match the bytes, counts of their text, the kind found by content),
a refused file is named with its reason and exit status 1, and the public revision stays."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from repository import Config, Repository
from repository.files.text import TOKENIZER
from tests.conftest import yuliao
from tests.files_support import CSV_ROWS, EXECUTABLE, odt, text_pdf
from vocab.namespaces import DCAT, DCT, SPDX, YL

PROVIDER = ("--as", "moda.provider@example.org")
RECORD = "00001174"


@pytest.fixture
def demo_home(fresh_demo_home: Path) -> Path:
    return fresh_demo_home


@pytest.fixture
def upload(tmp_path: Path) -> dict[str, Path]:
    files = {"report.pdf": text_pdf(), "transcripts.odt": odt(),
             "places.csv": CSV_ROWS.encode("big5"), "setup.pdf": EXECUTABLE}
    folder = tmp_path / "upload"
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return {name: folder / name for name in files}


def distributions(graph: Graph, subject: URIRef) -> dict[str, URIRef]:
    return {str(graph.value(node, DCT.title)): node
            for node in graph.objects(subject, DCAT.distribution)}


def test_files_become_distributions_of_a_new_draft_revision(demo_home, upload) -> None:
    result = yuliao(demo_home, "files", "add", RECORD, *map(str, upload.values()), *PROVIDER)
    assert result.exit_code == 1  # one file was refused
    assert "refused setup.pdf: by its content the file is not PDF, ODT, CSV, XML or JSON" in \
        result.output
    assert f"{RECORD}: 3 file(s) added, revision 2 (draft)" in result.output
    with Repository(Config.from_env(demo_home)) as repository:
        draft, public = repository.get(RECORD), repository.get(RECORD, public=True)
        subject = repository.ids.resource(RECORD)
        added = distributions(draft.graph, subject)
        assert {"report.pdf", "transcripts.odt", "places.csv"} <= set(added)
        assert "report.pdf" not in distributions(public.graph, subject)  # public one stays
        for name in ("report.pdf", "transcripts.odt", "places.csv"):
            node, data = added[name], upload[name].read_bytes()
            checksum = draft.graph.value(node, SPDX.checksum)
            assert str(draft.graph.value(checksum, SPDX.checksumValue)) == \
                hashlib.sha256(data).hexdigest()
            assert draft.graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
            assert int(draft.graph.value(node, DCAT.byteSize)) == len(data)
            assert int(draft.graph.value(node, YL.tokenCount)) > 0
            assert str(draft.graph.value(node, YL.tokenizer)) == TOKENIZER
            assert str(draft.graph.value(node, DCAT.downloadURL)) == \
                f"{repository.ids.base}record/{RECORD}/files/{name}"
        assert str(draft.graph.value(added["places.csv"], YL.textEncoding)) == "big5"
        assert str(draft.graph.value(added["transcripts.odt"], DCAT.mediaType)).endswith(
            "application/vnd.oasis.opendocument.text")
    stored = {p.name for p in (demo_home / "files" / "sha256").rglob("*") if p.is_file()}
    assert hashlib.sha256(EXECUTABLE).hexdigest() not in stored
    assert {hashlib.sha256(upload[name].read_bytes()).hexdigest()
            for name in ("report.pdf", "transcripts.odt", "places.csv")} <= stored
    assert yuliao(demo_home, "check").exit_code == 0


def test_the_same_file_added_twice_is_one_distribution(demo_home, upload) -> None:
    for _ in range(2):
        result = yuliao(demo_home, "files", "add", RECORD, str(upload["places.csv"]),
                        *PROVIDER)
        assert result.exit_code == 0, result.output
    with Repository(Config.from_env(demo_home)) as repository:
        graph = repository.get(RECORD).graph
        titles = [str(graph.value(n, DCT.title))
                  for n in graph.objects(repository.ids.resource(RECORD), DCAT.distribution)]
    assert titles.count("places.csv") == 1


def test_an_account_of_another_agency_may_not_add_files(demo_home, upload) -> None:
    result = yuliao(demo_home, "files", "add", RECORD, str(upload["places.csv"]),
                    "--as", "adi.provider@example.org")
    assert result.exit_code == 1
    assert "record 00001174 belongs to agency A29000000G" in result.output
    with Repository(Config.from_env(demo_home)) as repository:
        assert repository.get(RECORD).revision == 1  # nothing saved
    stored = {p.name for p in (demo_home / "files").rglob("*") if p.is_file()}
    assert hashlib.sha256(upload["places.csv"].read_bytes()).hexdigest() not in stored
