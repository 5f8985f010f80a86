"""XML readers: every kind of root gives the right SourceRecords, errors name what went wrong."""

from __future__ import annotations

import pytest
from lxml import etree

from repository.errors import InputError
from repository.formats import read_bytes
from repository.readers_xml import read_xml
from tests.conftest import DATA, shared_path


def fixture_records(name: str) -> list:
    path = shared_path("fixtures", "oai", name)
    return list(read_xml(path.read_bytes(), name))


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "count"),
    [
        ("zenodo_ListRecords_oai_dc_page1_token.xml", 3),
        ("zenodo_ListRecords_oai_dc_page2_deleted.xml", 3),
        ("zenodo_ListRecords_oai_dc_page3_last.xml", 3),
        ("zenodo_ListRecords_oai_dc_50recs_cjk.xml", 50),
    ],
)
def test_zenodo_list_records_pages_read_as_oai_dc(name: str, count: int) -> None:
    records = fixture_records(name)
    assert len(records) == count
    for record in records:
        assert record.format == "oai_dc"
        assert record.identifier.startswith("oai:zenodo.org:")
        assert record.raw.startswith(b"<record")
        assert (record.metadata is None) == record.deleted


@pytest.mark.shared
def test_deleted_header_gives_a_deleted_record_without_metadata() -> None:
    deleted = [r for r in fixture_records("zenodo_ListRecords_oai_dc_page2_deleted.xml")
               if r.deleted]
    assert [(r.identifier, r.metadata) for r in deleted] == [("oai:zenodo.org:8433364", None)]
    assert deleted[0].datestamp


@pytest.mark.shared
def test_set_specs_are_kept() -> None:
    records = fixture_records("zenodo_ListRecords_oai_dc_50recs_cjk.xml")
    assert any(len(record.set_specs) > 1 for record in records)


@pytest.mark.shared
def test_paradisec_get_record_reads_one_olac_record() -> None:
    [record] = fixture_records("paradisec_GetRecord_olac_AC1-013.xml")
    assert (record.identifier, record.datestamp, record.format) == (
        "oai:paradisec.org.au:AC1-013", "2016-03-16T15:32:10Z", "olac")
    assert etree.QName(record.metadata).localname == "olac"
    raw = etree.fromstring(record.raw)
    assert etree.QName(raw).localname == "record"  # the record, not the whole response


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "identifier"),
    [
        ("paradisec_record_olac_DD1-028_2018-06-13.xml", "oai:paradisec.org.au:DD1-028"),
        ("paradisec_record_olac_DD1-028_2011-06-17_legacy.xml", "oai:paradisec.org.au:DD1-028"),
        ("sil_record_olac_52216.xml", "oai:sil.org:52216"),
    ],
)
def test_bare_oai_record_reads_with_its_header(name: str, identifier: str) -> None:
    [record] = fixture_records(name)
    assert (record.identifier, record.format, record.deleted) == (identifier, "olac", False)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "identifiers"),
    [
        ("olac11_static_repository_kayardild.xml",
         ["oai:kayardild.lt.cs.mu.oz.au:01", "oai:kayardild.lt.cs.mu.oz.au:02"]),
        ("olac10_static_repository_mbcarrom_latin1.xml",
         ["oai:mbcarrom.linguistlist.org:370", "oai:mbcarrom.linguistlist.org:371"]),
        ("kaipuleohone_static_repository_sample.xml",
         [f"oai:scholarspace.manoa.hawaii.edu:10125/{n}" for n in (32707, 32706, 32705)]),
    ],
)
def test_static_repository_gives_every_olac_record(name: str, identifiers: list[str]) -> None:
    records = fixture_records(name)
    assert [record.identifier for record in records] == identifiers
    assert {record.format for record in records} == {"olac"}


@pytest.mark.shared
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("zenodo_error_badResumptionToken_http422.xml", "badResumptionToken"),
        ("zenodo_error_idDoesNotExist_http422.xml", "idDoesNotExist"),
        ("zenodo_error_noRecordsMatch_http422.xml", "noRecordsMatch"),
        ("nsdl_error_badVerb.xml", "badVerb"),
    ],
)
def test_oai_error_response_raises_input_error_with_the_oai_code(name: str, code: str) -> None:
    with pytest.raises(InputError) as raised:
        fixture_records(name)
    assert f"OAI-PMH error {code}" in str(raised.value)
    assert raised.value.origin == name


@pytest.mark.shared
def test_cmdi_records_are_refused_naming_the_format() -> None:
    with pytest.raises(InputError) as raised:
        fixture_records("kielipankki_ListRecords_cmdi0571.xml")
    assert "cmdi" in str(raised.value)
    assert raised.value.record


def test_bare_olac_file_reads_as_one_record() -> None:
    data = (DATA / "olac" / "small_record.xml").read_bytes()
    [record] = read_bytes(data, "small_record.xml")
    assert (record.identifier, record.format) == (None, "olac")
    assert etree.fromstring(record.raw).tag == record.metadata.tag


def test_bare_legacy_olac_file_reads_as_olac() -> None:
    [record] = read_xml((DATA / "olac" / "legacy_10.xml").read_bytes(), "legacy_10.xml")
    assert record.format == "olac"


def test_bare_oai_dc_file_reads_as_one_record() -> None:
    [record] = read_xml((DATA / "olac" / "oai_dc_record.xml").read_bytes(), "oai_dc_record.xml")
    assert record.format == "oai_dc"


def test_unknown_root_is_refused_naming_it() -> None:
    with pytest.raises(InputError, match=r"unknown\.xml: unrecognised root element html"):
        read_xml(b"<html/>", "unknown.xml")


def test_oai_response_without_records_is_refused() -> None:
    response = (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2020-01-01'
                b'</responseDate><Identify/></OAI-PMH>')
    with pytest.raises(InputError, match="without records"):
        read_xml(response, "identify.xml")


@pytest.mark.shared
def test_records_from_a_response_carry_their_oai_origin() -> None:
    [record] = fixture_records("paradisec_GetRecord_olac_AC1-013.xml")
    assert (record.base_url, record.metadata_namespace, record.harvest_date) == (
        "http://catalog.paradisec.org.au/oai/item", "http://www.language-archives.org/OLAC/1.1/",
        "2018-04-05T01:40:30Z")
    source = record.provenance()
    assert (source.identifier, source.datestamp, source.base_url) == (
        "oai:paradisec.org.au:AC1-013", "2016-03-16T15:32:10Z",
        "http://catalog.paradisec.org.au/oai/item")


@pytest.mark.shared
def test_records_from_a_static_repository_carry_its_base_url() -> None:
    records = fixture_records("olac11_static_repository_kayardild.xml")
    assert {(r.base_url, r.metadata_namespace, r.harvest_date) for r in records} == {
        ("http://www.language-archives.org/OLAC/1.1/static-repository.xml",
         "http://www.language-archives.org/OLAC/1.1/", None)}


def test_a_bare_record_has_no_oai_origin() -> None:
    [record] = read_xml((DATA / "olac" / "small_record.xml").read_bytes(), "small_record.xml")
    assert (record.base_url, record.harvest_date) == (None, None)
    assert record.provenance().identifier == "small_record.xml"


AGGREGATED = b"""<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">
<responseDate>2026-12-01T00:00:00Z</responseDate>
<request verb="ListRecords" metadataPrefix="oai_dc">https://agg.example.org/oai</request>
<ListRecords><record><header><identifier>oai:agg.example.org:7</identifier>
<datestamp>2026-11-30</datestamp></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title></oai_dc:dc></metadata>
<about><provenance xmlns="http://www.openarchives.org/OAI/2.0/provenance">
<originDescription harvestDate="2026-11-29T00:00:00Z" altered="false">
<baseURL>https://first.example.org/oai</baseURL><identifier>oai:first.example.org:7</identifier>
<datestamp>2026-11-28</datestamp>
<metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace>
</originDescription></provenance></about></record></ListRecords></OAI-PMH>"""


def test_a_record_the_source_had_harvested_keeps_the_source_provenance() -> None:
    (record,) = read_xml(AGGREGATED, "aggregated.xml")
    prior = etree.fromstring(record.prior_origin)
    ns = "{http://www.openarchives.org/OAI/2.0/provenance}"
    assert prior.tag == f"{ns}originDescription" and prior.get("altered") == "false"
    assert prior.findtext(f"{ns}identifier") == "oai:first.example.org:7"
    assert record.provenance().prior_origin == record.prior_origin


def test_a_record_without_provenance_has_no_prior_origin() -> None:
    (record,) = read_xml(AGGREGATED.split(b"<about>")[0] + b"</record></ListRecords></OAI-PMH>",
                         "plain.xml")
    assert record.prior_origin is None
