"""The ``yuliao`` command line, end to end on a real home directory."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from lxml import etree
from rdflib import Graph
from rdflib.compare import isomorphic

from app import main
from repository import Config, Repository
from repository.importer import TAKEDOWN_UNDER_REVIEW

from .conftest import shared_path

GOOD_OLAC = """<?xml version="1.0" encoding="UTF-8"?>
<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <dc:title xml:lang="en">Amis word list</dc:title>
 <dc:language xsi:type="olac:language" olac:code="{code}"/>
 <dc:contributor xsi:type="olac:role" olac:code="recorder">Chen, Mei</dc:contributor>
 <dcterms:created xsi:type="dcterms:W3CDTF">1998</dcterms:created>
</olac:olac>
"""
XXE = """<?xml version="1.0"?>
<!DOCTYPE olac [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&xxe;</dc:title></olac:olac>
"""
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>&lol3;</dc:title></olac:olac>
"""


#: Demo states visible to the public: published, and published with a takedown under review.
PUBLIC_STATES = ("published", *TAKEDOWN_UNDER_REVIEW)


@pytest.fixture
def home(initialised_home: Path) -> Path:
    """A home made by ``yuliao init`` (every command but init needs one)."""
    return initialised_home


def run(home: Path, *args: str):
    result = CliRunner().invoke(main, ["--home", str(home), *args], catch_exceptions=False)
    return result


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    home = tmp_path_factory.mktemp("demo") / "home"
    result = run(home, "init", "--demo")
    assert result.exit_code == 0, result.output
    return home


def test_init_demo_loads_every_demo_record(demo_home: Path) -> None:
    import demo

    with Repository(Config(home=demo_home)) as repo:
        expected = list(demo.records(repo.config.base_uri))
        assert set(repo.local_ids()) == {d.local_id for d in expected}
        published = {d.local_id for d in expected if d.state in PUBLIC_STATES}
        assert {r.id for r in repo.published()} == published


def test_nothing_unpublished_of_the_demo_reaches_an_export(demo_home: Path, tmp_path) -> None:
    import demo

    hidden = [d for d in demo.records(Config(home=demo_home).base_uri)
              if d.state not in PUBLIC_STATES]
    assert hidden, "the demo must include records that are not published"
    out = tmp_path / "all.nq"
    assert run(demo_home, "export", "--format", "nquads", "-o", str(out)).exit_code == 0
    text = out.read_text()
    for d in hidden:
        assert f"/id/{d.local_id}>" not in text
    result = run(demo_home, "export", "--format", "olac", "--id", hidden[0].local_id)
    assert result.exit_code == 1 and "yuliao:" in result.output


@pytest.mark.parametrize("fmt", ["olac", "oai_dc", "dcat-ttl", "dcat-jsonld", "dcat-rdfxml",
                                 "croissant", "nquads"])
def test_every_format_exports_a_published_demo_record(demo_home: Path, fmt: str) -> None:
    result = run(demo_home, "export", "--format", fmt, "--id", "00001174")
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    if fmt in ("olac", "oai_dc", "dcat-rdfxml"):
        etree.fromstring(data)
    elif fmt in ("croissant", "dcat-jsonld"):
        json.loads(data)
    assert "領域資料標準".encode() in data or fmt == "oai_dc" and b"<dc:title" in data


def test_export_without_id_gives_the_dcat_catalogue(demo_home: Path) -> None:
    result = run(demo_home, "export", "--format", "dcat-ttl")
    assert result.exit_code == 0
    assert b"dcat:Catalog" in result.stdout_bytes


def test_an_unknown_format_is_a_one_line_error(demo_home: Path) -> None:
    result = run(demo_home, "export", "--format", "marc21", "--id", "00001174")
    assert result.exit_code == 1
    assert "unknown format 'marc21'" in result.output and len(result.output.splitlines()) == 1


def test_import_publishes_a_record_and_reimport_is_unchanged(home: Path, tmp_path) -> None:
    path = tmp_path / "amis.xml"
    path.write_text(GOOD_OLAC.format(code="ami"), encoding="utf-8")
    first = run(home, "import", str(path))
    assert first.exit_code == 0, first.output
    assert "1 new" in first.output
    again = run(home, "import", str(path))
    assert "1 unchanged" in again.output
    with Repository(Config(home=home)) as repo:
        assert [r.id for r in repo.published()] == ["import:amis"]


@pytest.mark.parametrize("name, content, reason", [
    ("xxe.xml", XXE, "DTD"),
    ("laughs.xml", LAUGHS, "DTD"),
    ("broken.xml", "<olac:olac xmlns:olac='http://www.language-archives.org/OLAC/1.1/'>", "line"),
    ("empty.xml", "", "empty"),
    ("unknown-language.xml", GOOD_OLAC.format(code="xyz"), "xyz"),
    ("retired-language.xml", GOOD_OLAC.format(code="uun"), "retired"),
])
def test_bad_input_is_refused_with_a_reason_and_writes_nothing(
    home: Path, tmp_path: Path, name: str, content: str, reason: str,
) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    result = run(home, "import", str(path))
    assert result.exit_code == 1
    assert name in result.output and reason in result.output
    with Repository(Config(home=home)) as repo:
        assert repo.local_ids() == [] and repo.local_ids(public=True) == []


def test_wrong_declared_encoding_is_refused(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "latin1.xml"
    path.write_bytes(GOOD_OLAC.format(code="ami").replace("Amis", "Karína").encode("latin-1")
                     .replace(b"Chen, Mei", "Chén, Méi".encode("latin-1")))
    result = run(home, "import", str(path))
    assert result.exit_code == 1 and "latin1.xml" in result.output


def test_a_shape_violation_shows_the_shapes_message(home: Path, tmp_path: Path) -> None:
    path = tmp_path / "untitled.xml"
    path.write_text(GOOD_OLAC.format(code="ami").replace(
        '<dc:title xml:lang="en">Amis word list</dc:title>', ""), encoding="utf-8")
    result = run(home, "import", str(path))
    assert result.exit_code == 1
    assert "dct:title" in result.output


def test_validate_reports_without_storing_or_making_a_home(tmp_path: Path) -> None:
    path = tmp_path / "amis.xml"
    path.write_text(GOOD_OLAC.format(code="ami"), encoding="utf-8")
    never_made = tmp_path / "never-made"
    result = run(never_made, "validate", str(path))
    assert result.exit_code == 0 and "1 record: 1 valid" in result.output
    assert not never_made.exists()


def test_a_missing_file_is_a_one_line_error(home: Path) -> None:
    result = run(home, "import", "/nonexistent/records.xml")
    assert result.exit_code == 1 and "no such file" in result.output


def test_dump_and_restore_into_an_empty_home_is_isomorphic(demo_home: Path, tmp_path) -> None:
    dump = tmp_path / "dump.nq"
    assert run(demo_home, "dump", str(dump)).exit_code == 0
    other = tmp_path / "other"
    assert run(other, "init").exit_code == 0
    assert run(other, "restore", str(dump)).exit_code == 0
    dump2 = tmp_path / "dump2.nq"
    assert run(other, "dump", str(dump2)).exit_code == 0
    first, second = _graphs(dump), _graphs(dump2)
    assert first.keys() == second.keys() and len(first) > 30
    assert all(isomorphic(first[name], second[name]) for name in first)
    assert run(other, "restore", str(dump)).exit_code == 1


def test_init_refuses_to_overwrite_a_store_without_force(demo_home: Path) -> None:
    result = run(demo_home, "init")
    assert result.exit_code == 1 and "--force" in result.output


@pytest.mark.shared
def test_every_olac_fixture_imports(home: Path) -> None:
    folder = shared_path("fixtures", "oai")
    names = ["paradisec_GetRecord_olac_AC1-013.xml", "paradisec_GetRecord_olac_NT1-98007.xml",
             "paradisec_record_olac_DD1-028_2018-06-13.xml", "sil_record_olac_52216.xml",
             "kaipuleohone_static_repository_sample.xml", "olac11_static_repository_kayardild.xml",
             "olac10_static_repository_mbcarrom_latin1.xml"]
    result = run(home, "import", *[str(folder / n) for n in names])
    assert result.exit_code == 0, result.output
    with Repository(Config(home=home)) as repo:
        assert "paradisec.org.au:AC1-013" in repo.local_ids(public=True)


def _graphs(path: Path) -> dict[str, Graph]:
    """The named graphs of an N-Quads file, as rdflib graphs keyed by graph name."""
    from repository.store import to_rdflib

    graphs: dict[str, Graph] = {}
    with path.open("rb") as data:
        for quad in ox.parse(data, format=ox.RdfFormat.N_QUADS):
            triple = tuple(to_rdflib(t) for t in (quad.subject, quad.predicate, quad.object))
            graphs.setdefault(str(quad.graph_name), Graph()).add(triple)
    return graphs


def test_a_demo_record_whose_takedown_is_under_review_stays_public(demo_home: Path) -> None:
    with Repository(Config(home=demo_home)) as repo:
        assert repo.get("00009205").state == "takedown-pending-agency"
        assert repo.get("00009205", public=True).id == "00009205"  # not a tombstone
        assert repo.disseminations.get("00009205", "olac").deleted is False
