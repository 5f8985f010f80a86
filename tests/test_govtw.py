"""data.gov.tw JSON/CSV readers and the crosswalk to canonical RDF, over real fixtures."""

from __future__ import annotations

import json

import pytest
from rdflib import Graph, Literal, URIRef

from repository.crosswalks.govtw import govtw_to_graph, read_csv, read_json, tel_iri
from repository.errors import InputError
from repository.formats import SourceRecord, read_bytes, to_graph
from tests.conftest import DATA, shared_path
from vocab.namespaces import DCAT, DCT, FOAF, RDF_, VCARD, XSD, YL, concept, lexvo

BASE = "https://yuliao.example.org/"
ZH = "zh-Hant-TW"
OGDL = concept("licence", "OGDL-Taiwan-1.0")
SAITDL = concept("licence", "SAITDL-1.0")
PDF = URIRef("http://www.iana.org/assignments/media-types/application/pdf")
CSV = URIRef("http://www.iana.org/assignments/media-types/text/csv")
JSON_ = URIRef("http://www.iana.org/assignments/media-types/application/json")
XML = URIRef("http://www.iana.org/assignments/media-types/application/xml")


def _fixture(name: str) -> bytes:
    return shared_path("fixtures", "govtw", name).read_bytes()


def _graph(record: SourceRecord) -> tuple[Graph, URIRef]:
    subject = URIRef(f"{BASE}id/data.gov.tw:{record.identifier}")
    return to_graph(record, subject), subject


def _distributions(graph: Graph, subject: URIRef) -> list[URIRef]:
    return sorted(graph.objects(subject, DCAT.distribution))


def _formats(graph: Graph, subject: URIRef) -> list[object]:
    return [graph.value(dist, DCT.format) for dist in _distributions(graph, subject)]


@pytest.mark.shared
def test_v1_api_dataset_maps_title_publisher_contact_and_dates() -> None:
    (record,) = read_bytes(_fixture("datagovtw_api_v1_getDatasetById_example.json"), "v1.json")
    graph, subject = _graph(record)
    assert record.format == "datagovtw" and record.identifier == "A41000000G-000001"
    assert graph.value(subject, DCT.title) == Literal("行政院公報", lang=ZH)
    assert {YL.LanguageResource, DCAT.Dataset} <= set(graph.objects(subject, RDF_.type))
    agency = URIRef(f"{BASE}agency/A41000000G")
    assert graph.value(subject, DCT.publisher) == agency
    assert graph.value(agency, FOAF.name) == Literal("國家發展委員會", lang=ZH)
    assert Literal("urn:oid:2.16.886.101.20003.20069") in set(graph.objects(agency, DCT.identifier))
    contact = graph.value(subject, DCAT.contactPoint)
    assert graph.value(contact, VCARD.hasEmail) == URIRef("mailto:example2@ndc.gov.tw")
    assert graph.value(contact, VCARD.hasTelephone) == URIRef("tel:+886-2-23165300")
    assert graph.value(subject, DCT.issued) == Literal("2015-01-01T23:59:59+08:00",
                                                       datatype=XSD.dateTime)
    assert graph.value(subject, DCT.language) == lexvo("cmn")
    period = graph.value(subject, DCT.temporal)
    assert graph.value(period, DCAT.startDate) == Literal("2014-01-01", datatype=XSD.date)
    assert len(set(graph.objects(subject, DCAT.keyword))) == 4


@pytest.mark.shared
def test_v1_api_dataset_maps_distributions_and_other_licence() -> None:
    (record,) = read_json(_fixture("datagovtw_api_v1_getDatasetById_example.json"), "v1.json")
    graph, subject = _graph(record)
    assert _formats(graph, subject) == [XML, Literal("ZIP"), Literal("services")]
    dist_3 = URIRef(f"{subject}#dist-3")
    assert graph.value(dist_3, DCAT.accessURL) == URIRef("http://example/endpoint")
    assert graph.value(URIRef(f"{subject}#dist-1"), DCAT.downloadURL) == URIRef(
        "http://gazette.nat.gov.tw/eg%20Front/OpenData/download.jsp")
    # a licence we have no concept for: its name as dct:rights, its URL as the licence
    assert graph.value(subject, DCT.rights) == Literal("政府資料開放平臺資料使用規範", lang=ZH)
    assert graph.value(subject, DCT.license) == URIRef("http://data.gov.tw/principle")


@pytest.mark.shared
@pytest.mark.parametrize(("name", "title", "publisher", "formats"), [
    ("datagovtw_node12639_page_metadata_2017.json", "財政部北區國稅局國稅統計年報(近3年度)",
     "財政部北區國稅局", [PDF, PDF, PDF, Literal("ZIP")]),
    ("datagovtw_node45672_page_metadata_2017.json", "基隆市建檔管理公廁",
     "基隆市環境保護局", [JSON_, CSV, XML]),
])
def test_scraped_page_metadata_with_chinese_labels(
    name: str, title: str, publisher: str, formats: list[object]
) -> None:
    (record,) = read_json(_fixture(name), name)
    graph, subject = _graph(record)
    assert graph.value(subject, DCT.title) == Literal(title, lang=ZH)
    agency = graph.value(subject, DCT.publisher)
    assert graph.value(agency, FOAF.name) == Literal(publisher, lang=ZH)
    assert graph.value(subject, DCT.license) == OGDL
    assert _formats(graph, subject) == formats
    assert graph.value(subject, DCT.issued).datatype == XSD.date
    contact = graph.value(subject, DCAT.contactPoint)
    assert str(graph.value(contact, VCARD.fn)).endswith("小姐")
    assert str(graph.value(contact, VCARD.hasTelephone)).startswith("tel:+886-")


@pytest.mark.shared
def test_error_envelope_names_the_error_type() -> None:
    data = _fixture("datagovtw_api_v1_error_ER0050_example.json")
    with pytest.raises(InputError, match="ER0050") as caught:
        list(read_json(data, "error.json"))
    assert caught.value.origin == "error.json"
    assert caught.value.record == "A41000000G-000001"


@pytest.mark.shared
def test_identifier_list_is_refused_as_holding_no_metadata() -> None:
    data = _fixture("datagovtw_api_v1_listDatasetId_example.json")
    with pytest.raises(InputError, match="identifier list"):
        list(read_json(data, "list.json"))


def test_catalogue_json_export_with_bom() -> None:
    records = list(read_json((DATA / "govtw" / "catalogue_export.json").read_bytes(), "export"))
    assert [r.identifier for r in records] == ["6564", "28425"]
    graph, subject = _graph(records[0])
    assert graph.value(subject, DCT.title) == Literal("臺灣閩南語常用詞辭典", lang=ZH)
    assert graph.value(graph.value(subject, DCT.publisher), FOAF.name) == Literal("教育部", lang=ZH)
    assert graph.value(subject, DCT.license) == OGDL
    assert _formats(graph, subject) == [CSV, JSON_, PDF]
    assert graph.value(URIRef(f"{subject}#dist-2"), DCAT.downloadURL) == URIRef(
        "https://example.moe.gov.tw/twblg/dict.json")
    other, other_subject = _graph(records[1])
    assert other.value(other_subject, DCT.rights) == Literal("其他", lang=ZH)
    assert other.value(other_subject, DCT.license) is None


def test_catalogue_csv_export_with_bom() -> None:
    records = list(read_csv((DATA / "govtw" / "catalogue_export.csv").read_bytes(), "export.csv"))
    assert [r.identifier for r in records] == ["6564", "157477"]
    graph, subject = _graph(records[1])
    title = Literal("政府資料開放平臺資料集清單(含英文版)", lang=ZH)
    assert graph.value(subject, DCT.title) == title
    assert graph.value(graph.value(subject, DCT.publisher), FOAF.name) == Literal("數位發展部",
                                                                                  lang=ZH)
    assert graph.value(subject, DCT.license) == OGDL
    assert _formats(graph, subject) == [CSV, JSON_]
    assert graph.value(subject, DCT.modified) == Literal("2026-11-20T03:00:00+08:00",
                                                         datatype=XSD.dateTime)
    assert graph.value(graph.value(subject, DCAT.contactPoint), VCARD.hasTelephone) == URIRef(
        "tel:+886-2-23800791;ext=123")
    assert b"157477" in records[1].raw and b"6564" not in records[1].raw


def test_taic_record_maps_to_saitdl() -> None:
    data = (DATA / "govtw" / "taic_saitdl_dataset.json").read_bytes()
    (record,) = read_bytes(data, "taic.json")
    graph, subject = _graph(record)
    assert graph.value(subject, DCT.license) == SAITDL
    assert all(graph.value(d, DCT.license) == SAITDL for d in _distributions(graph, subject))
    assert _formats(graph, subject) == [PDF, JSON_]
    assert record.raw == data
    assert graph.value(URIRef(f"{BASE}agency/A61000000G"), FOAF.name) == Literal("客家委員會",
                                                                                 lang=ZH)


@pytest.mark.parametrize("field", ["identifier", "title"])
def test_missing_required_field_names_origin_record_and_field(field: str) -> None:
    dataset = {"identifier": "A1-000001", "title": "標題"}
    del dataset[field]
    data = json.dumps({"success": True, "result": dataset}).encode()
    with pytest.raises(InputError) as caught:
        list(read_json(data, "broken.json"))
    assert (caught.value.origin, caught.value.field) == ("broken.json", field)
    if field == "title":
        assert caught.value.record == "A1-000001"


def test_crosswalk_refuses_a_dataset_without_title() -> None:
    with pytest.raises(InputError, match="title"):
        govtw_to_graph({"identifier": "X"}, URIRef(f"{BASE}id/X"))


def test_invalid_json_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not UTF-8 JSON"):
        list(read_json(b"{\"success\": tru", "bad.json"))


@pytest.mark.parametrize(("given", "expected"), [
    ("(02)-23800791", "tel:+886-2-23800791"),
    ("02-23165300#XX", "tel:+886-2-23165300"),
    ("033396789#1957", "tel:+886-33396789;ext=1957"),
    ("", None),
])
def test_phone_numbers_become_tel_iris(given: str, expected: str | None) -> None:
    assert tel_iri(given) == (URIRef(expected) if expected else None)
