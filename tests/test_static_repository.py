"""``yuliao export --format olac`` without ``--id``: the whole public catalogue as an OLAC static
repository, valid against the OAI and the OLAC static-repository schemas and OLAC's
registration rules, written from the dissemination index page by page, and read back by
``yuliao import`` as the same records (every fixture, compared as RDF graphs)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from lxml import etree
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic

from repository import Config, Repository
from repository.crosswalks.olac import graph_to_olac, olac_to_graph
from repository.importer import Importer
from repository.records import local_id_for_source, with_catalogue
from repository.static_repository import PREFIX, write_static_repository
from tests.conftest import shared_path
from tests.conftest import yuliao as run
from tests.schemas import (
    assert_valid,
    oai_static_repository_schema,
    olac_static_repository_schema,
    schematron_messages,
)
from vocab.namespaces import SKOS

STATIC = "{http://www.openarchives.org/OAI/2.0/static-repository}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
ARCHIVE = "{http://www.language-archives.org/OLAC/1.1/olac-archive}"
BASE_URL = "https://archive.example.org/olac/static-repository.xml"
#: Every fixture that holds records: OLAC 1.1, 1.0 and 1.0b1, oai_dc, data.gov.tw.
FIXTURES = [("oai", name) for name in (
    "paradisec_GetRecord_olac_AC1-013.xml", "paradisec_GetRecord_olac_NT1-98007.xml",
    "paradisec_record_olac_DD1-028_2018-06-13.xml",
    "paradisec_record_olac_DD1-028_2011-06-17_legacy.xml", "sil_record_olac_52216.xml",
    "kaipuleohone_static_repository_sample.xml", "olac11_static_repository_kayardild.xml",
    "olac10_static_repository_mbcarrom_latin1.xml", "olac10b1_as-formosan_extension_example.xml",
    "zenodo_ListRecords_oai_dc_50recs_cjk.xml", "zenodo_ListRecords_oai_dc_page1_token.xml",
    "zenodo_ListRecords_oai_dc_page2_deleted.xml", "zenodo_ListRecords_oai_dc_page3_last.xml",
)] + [("govtw", name) for name in (
    "datagovtw_api_v1_getDatasetById_example.json", "datagovtw_node12639_page_metadata_2017.json",
    "datagovtw_node45672_page_metadata_2017.json",
)]
RECORD = """<olac:olac xmlns:olac="http://www.language-archives.org/OLAC/1.1/"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <dc:title xml:lang="en">{title}</dc:title>
 <dc:language xsi:type="olac:language" olac:code="ami"/></olac:olac>"""


@dataclass(frozen=True)
class RoundTrip:
    """Every fixture imported into ``origin`` (plus a draft and a withdrawn record), exported
    as ``file``, and that file imported into ``copy``."""

    origin: Path
    copy: Path
    file: Path


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory) -> RoundTrip:
    root = tmp_path_factory.mktemp("static")
    origin, copy, file = root / "origin", root / "copy", root / "static-repository.xml"
    assert run(origin, "init").exit_code == 0
    paths = [str(shared_path("fixtures", folder, name)) for folder, name in FIXTURES]
    imported = run(origin, "import", *paths)
    assert imported.exit_code == 0, imported.output
    _add_hidden_records(origin, root)
    exported = run(origin, "export", "--format", "olac", "--base-url", BASE_URL, "-o", str(file))
    assert exported.exit_code == 0, exported.output
    assert run(copy, "init").exit_code == 0
    copied = run(copy, "import", str(file))
    assert copied.exit_code == 0, copied.output
    return RoundTrip(origin, copy, file)


def _add_hidden_records(home: Path, folder: Path) -> None:
    """A draft (``import:draft-only``) and a withdrawn record (``import:withdrawn-one``)."""
    for name, extra in (("draft-only", ["--draft"]), ("withdrawn-one", [])):
        path = folder / f"{name}.xml"
        path.write_text(RECORD.format(title=name), encoding="utf-8")
        assert run(home, "import", *extra, str(path)).exit_code == 0
    with Repository(Config(home=home)) as repository:
        repository.withdraw("import:withdrawn-one")


def test_the_static_repository_is_valid_against_the_oai_static_repository_schema(
        round_trip: RoundTrip) -> None:
    assert_valid(oai_static_repository_schema(), etree.parse(str(round_trip.file)).getroot())


def test_the_static_repository_passes_olacs_schema_and_registration_rules(
        round_trip: RoundTrip) -> None:
    root = etree.parse(str(round_trip.file)).getroot()
    assert_valid(olac_static_repository_schema(), root)
    messages = schematron_messages("olac-static-repository.xml", root)
    assert messages and not [m for m in messages if "ERROR" in m]


def test_its_identify_carries_the_providers_oai_identifier_and_olac_archive_descriptions(
        round_trip: RoundTrip) -> None:
    root = etree.parse(str(round_trip.file)).getroot()
    identify = root.find(f"{STATIC}Identify")
    assert identify.findtext(f"{OAI}baseURL") == BASE_URL
    assert (identify.findtext(f"{OAI}deletedRecord"), identify.findtext(f"{OAI}granularity")) \
        == ("no", "YYYY-MM-DD")
    sample = identify.findtext(".//{http://www.openarchives.org/OAI/2.0/oai-identifier}"
                               "sampleIdentifier")
    identifiers = [r.findtext(f"{OAI}header/{OAI}identifier")
                   for r in root.iter(f"{OAI}record")]
    assert sample in identifiers
    archive = identify.find(f".//{ARCHIVE}olac-archive")
    assert archive.find(f"{ARCHIVE}participant").get("email") == \
        identify.findtext(f"{OAI}adminEmail")
    assert root.find(f"{STATIC}ListRecords").get("metadataPrefix") == PREFIX


def test_drafts_and_tombstones_stay_out_of_the_static_repository(
        round_trip: RoundTrip) -> None:
    text = round_trip.file.read_text(encoding="utf-8")
    assert "import:draft-only" not in text and "draft-only" not in text
    assert "import:withdrawn-one" not in text and 'status="deleted"' not in text


def test_the_copy_holds_exactly_the_published_records_and_knows_their_origin(
        round_trip: RoundTrip) -> None:
    with Repository(Config(home=round_trip.origin)) as origin, \
            Repository(Config(home=round_trip.copy)) as copy:
        published = sorted(record.id for record in origin.published())
        assert sorted(copy.local_ids(public=True)) == sorted(copied_id(origin, i)
                                                             for i in published)
        some = copy.get(copied_id(origin, published[0]))
        assert (some.source.identifier, some.source.base_url) == (origin.ids.oai(published[0]),
                                                                  BASE_URL)


@pytest.mark.parametrize(("folder", "name"), FIXTURES, ids=[name for _, name in FIXTURES])
def test_every_fixture_round_trips_through_the_static_repository(
        round_trip: RoundTrip, tmp_path: Path, folder: str, name: str) -> None:
    """Each record comes back as the OLAC reading of the original (what an OLAC file can
    carry); a record first read from OLAC comes back as it was, apart from legacy OLAC 1.0
    codes that OLAC 1.1 has no place for (kept as ``skos:notation``, documented in
    repository/crosswalks/olac.py)."""
    ids = fixture_ids(shared_path("fixtures", folder, name), tmp_path)
    assert ids, f"{name} holds no record"
    with Repository(Config(home=round_trip.origin)) as origin, \
            Repository(Config(home=round_trip.copy)) as copy:
        for local_id in ids:
            original = origin.get(local_id, public=True)
            subject = origin.ids.resource(local_id)
            came_back = _renamed(copy.get(copied_id(origin, local_id), public=True).graph,
                                 copy.ids.resource(copied_id(origin, local_id)), subject)
            reading = olac_to_graph(graph_to_olac(with_catalogue(original, origin.ids),
                                                  subject), subject)
            assert isomorphic(came_back, reading), local_id
            if original.source.format == "olac":
                assert isomorphic(came_back, _without_legacy_codes(original.graph)), local_id


def copied_id(origin: Repository, local_id: str) -> str:
    """The local id the copy gives a record read under our OAI identifier."""
    return local_id_for_source(origin.ids.oai(local_id))


def fixture_ids(path: Path, scratch: Path) -> list[str]:
    """Local ids of the live records in ``path``, as the importer reads them (no store)."""
    with Repository(Config(home=scratch), in_memory=True) as repository:
        outcomes = Importer(repository, publish=False).import_file(path, dry_run=True)
    return sorted({o.record for o in outcomes if o.status == "valid"})


def _renamed(graph: Graph, old: URIRef, new: URIRef) -> Graph:
    """``graph`` with every IRI under ``old`` (the resource and its hash nodes) moved under
    ``new``."""
    def moved(term):
        if isinstance(term, URIRef) and str(term).startswith(str(old)):
            return URIRef(str(new) + str(term)[len(str(old)):])
        return term

    out = Graph()
    for triple in graph:
        out.add(tuple(moved(term) for term in triple))
    return out


def _without_legacy_codes(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        if p != SKOS.notation:
            out.add((s, p, o))
    return out


def test_the_dates_come_from_the_records_not_the_clock(round_trip: RoundTrip) -> None:
    root = etree.parse(str(round_trip.file)).getroot()
    days = [r.findtext(f"{OAI}header/{OAI}datestamp") for r in root.iter(f"{OAI}record")]
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) for day in days)
    identify = root.find(f"{STATIC}Identify")
    assert identify.findtext(f"{OAI}earliestDatestamp") == min(days)
    with Repository(Config.from_env(round_trip.origin)) as origin:
        latest = origin.disseminations.live_datestamps(PREFIX)[1][:10]
        set_in_settings = origin.config.oai.archive.current_as_of
    archive = identify.find(f".//{ARCHIVE}olac-archive")
    assert archive.get("currentAsOf") == str(set_in_settings or latest)
    assert b"responseDate" not in round_trip.file.read_bytes()


def test_without_current_as_of_in_the_settings_the_archive_is_dated_by_its_latest_change(
        round_trip: RoundTrip, tmp_path: Path) -> None:
    config = Config.from_env(round_trip.origin)
    assert config.oai.archive.current_as_of is not None  # yuliao init wrote one
    archive = replace(config.oai.archive, current_as_of=None)
    out = tmp_path / "static.xml"
    with Repository(config) as repository, out.open("wb") as stream:
        repository.config = replace(config, oai=replace(config.oai, archive=archive))
        write_static_repository(repository, stream, BASE_URL)
        latest = repository.disseminations.live_datestamps(PREFIX)[1][:10]
    assert f'currentAsOf="{latest}"' in out.read_text(encoding="utf-8")


def test_records_are_written_as_the_index_pages_are_read(round_trip: RoundTrip,
                                                         monkeypatch, tmp_path: Path) -> None:
    """Streaming: with pages of 5 rows, the first record is written after one page was read,
    long before the last; so memory holds one page, whatever the size of the catalogue."""
    import repository.static_repository as static

    monkeypatch.setattr(static, "PAGE_ROWS", 5)
    with Repository(Config(home=round_trip.origin)) as repository:
        index = repository.disseminations
        reads = []
        real_page = index.page
        monkeypatch.setattr(index, "page", lambda *a, **k: reads.append(1) or real_page(*a, **k))
        writes = _WriteLog(reads)
        count = write_static_repository(repository, writes, BASE_URL)
    assert count > 20 and len(reads) >= count // 5
    first_record = next(i for i, chunk in enumerate(writes.chunks) if b"<oai:record>" in chunk)
    assert writes.pages_read[first_record] == 1


class _WriteLog:
    """A binary sink noting, for each write, how many index pages had been read by then."""

    def __init__(self, reads: list) -> None:
        self.reads, self.chunks, self.pages_read = reads, [], []

    def write(self, data: bytes) -> int:
        self.chunks.append(data)
        self.pages_read.append(len(self.reads))
        return len(data)


def test_with_nothing_published_the_export_is_a_one_line_error_and_no_file(
        tmp_path: Path) -> None:
    home = tmp_path / "empty"
    assert run(home, "init").exit_code == 0
    out = tmp_path / "static.xml"
    result = run(home, "export", "--format", "olac", "-o", str(out))
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "yuliao: field format: no published record to export: a static repository needs at "
        "least one"]
    assert not out.exists()


def test_a_base_url_that_is_not_http_is_refused_naming_the_option(round_trip: RoundTrip,
                                                                  tmp_path: Path) -> None:
    result = run(round_trip.origin, "export", "--format", "olac", "--base-url", "ftp://x/y.xml")
    assert result.exit_code == 1 and len(result.output.splitlines()) == 1
    assert "--base-url" in result.output and "ftp://x/y.xml" in result.output
