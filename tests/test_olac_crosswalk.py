"""OLAC 1.1 XML ⇄ canonical RDF: lossless on every real fixture record, schema-valid output."""

from __future__ import annotations

import re

import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic

from repository.crosswalks.olac import (
    DC_NS,
    DCTERMS_NS,
    SIL_CODES,
    XML_LANG,
    XSI_TYPE,
    graph_to_olac,
    olac_bytes,
    olac_to_graph,
)
from repository.errors import InputError
from repository.readers_xml import read_xml
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, shared_path
from tests.schemas import assert_valid, olac_schema, schema_errors
from vocab.namespaces import DC15, DCT, FOAF, RDFS, SKOS, concept, lexvo

SUBJECT = URIRef("https://yuliao.example.org/id/test:amis-1")
OLAC_RECORDS = [
    ("paradisec_GetRecord_olac_AC1-013.xml", 0),
    ("paradisec_GetRecord_olac_NT1-98007.xml", 0),
    ("paradisec_record_olac_DD1-028_2018-06-13.xml", 0),
    ("paradisec_record_olac_DD1-028_2011-06-17_legacy.xml", 0),
    ("sil_record_olac_52216.xml", 0),
    ("kaipuleohone_static_repository_sample.xml", 0),
    ("kaipuleohone_static_repository_sample.xml", 1),
    ("kaipuleohone_static_repository_sample.xml", 2),
    ("olac11_static_repository_kayardild.xml", 0),
    ("olac11_static_repository_kayardild.xml", 1),
    ("olac10_static_repository_mbcarrom_latin1.xml", 0),
    ("olac10_static_repository_mbcarrom_latin1.xml", 1),
    ("olac10b1_as-formosan_extension_example.xml", 0),
]
RECORD_IDS = [f"{name.removesuffix('.xml')}#{index}" for name, index in OLAC_RECORDS]
OLAC_11 = "http://www.language-archives.org/OLAC/1.1/"


def fixture_olac(name: str, index: int) -> etree._Element:
    """The index-th olac:olac element of a fixture file in ../shared/fixtures/oai."""
    path = shared_path("fixtures", "oai", name)
    return list(read_xml(path.read_bytes(), name))[index].metadata


def small_record() -> etree._Element:
    return parse_xml((DATA / "olac" / "small_record.xml").read_bytes(), "small_record.xml")


ElementKey = tuple[str, str | None, str | None, str | None, str]


def element_set(olac: etree._Element) -> set[ElementKey]:
    """(tag, xsi:type, olac:code, xml:lang, text) of every element, as written."""
    keys = set()
    for element in olac:
        if not isinstance(element.tag, str):
            continue
        codes = [v for k, v in element.attrib.items() if etree.QName(k).localname == "code"]
        keys.add((
            element.tag, element.get(XSI_TYPE), codes[0] if codes else None,
            element.get(XML_LANG), element.text or "",
        ))
    return keys


def normalised(key: ElementKey) -> ElementKey:
    """The documented reading normalisations (repository/crosswalks/olac.py docstring)."""
    tag, xsi_type, code, lang, text = key
    text = text.strip()
    name = etree.QName(tag).localname
    tag = f"{{{DC_NS}}}{name}" if name in DCT_DC15 else f"{{{DCTERMS_NS}}}{name}"
    if xsi_type == "olac:date":  # OLAC 1.0b1 <date code="created" date="…">
        return (f"{{{DCTERMS_NS}}}{code}", "dcterms:W3CDTF", None, None, DATES_10B1[code])
    if xsi_type == "as-formosan:language":
        return (tag, "olac:language", FORMOSAN_CODES[code], lang, text or code)
    if xsi_type == "olac:language" and code:
        code = SIL_CODES.get(code) or LANGUAGE_CODES.get(code, code)
    if xsi_type == "olac:linguistic-field" and code == "language_description":
        code = None  # a legacy code outside the 1.1 list: kept as skos:notation only
    if xsi_type == "dcterms:DCMIType":
        text = text.capitalize()
    if xsi_type == "dcterms:W3CDTF" and not re.fullmatch(r"\d{4}(-\d\d){0,2}", text):
        xsi_type = None  # "n.d." is not a W3CDTF date
    if xsi_type and xsi_type.startswith("dcterms:") or not text:
        lang = None
    return (tag, xsi_type, code, lang, text)


DCT_DC15 = frozenset(DC15)
DATES_10B1 = {"created": "1963-09-14"}
FORMOSAN_CODES = {"Amis": "ami"}
LANGUAGE_CODES = {"en": "eng"}


@pytest.mark.shared
@pytest.mark.parametrize(("name", "index"), OLAC_RECORDS, ids=RECORD_IDS)
def test_fixture_record_exports_schema_valid_olac(name: str, index: int) -> None:
    graph = olac_to_graph(fixture_olac(name, index), SUBJECT)
    assert_valid(olac_schema(), olac_bytes(graph, SUBJECT))


@pytest.mark.shared
@pytest.mark.parametrize(("name", "index"), OLAC_RECORDS, ids=RECORD_IDS)
def test_fixture_record_keeps_every_element(name: str, index: int) -> None:
    source = fixture_olac(name, index)
    exported = graph_to_olac(olac_to_graph(source, SUBJECT), SUBJECT)
    assert {normalised(key) for key in element_set(source)} == element_set(exported)


@pytest.mark.shared
@pytest.mark.parametrize(("name", "index"), OLAC_RECORDS, ids=RECORD_IDS)
def test_fixture_rdf_survives_olac_round_trip(name: str, index: int) -> None:
    graph = olac_to_graph(fixture_olac(name, index), SUBJECT)
    again = olac_to_graph(graph_to_olac(graph, SUBJECT), SUBJECT)
    legacy_notations = set(graph.triples((None, SKOS.notation, None)))
    assert isomorphic(graph - Graph().__iadd__(legacy_notations), again)
    assert len(legacy_notations) == (1 if (name, index) == OLAC_RECORDS[10] else 0)


def test_small_record_maps_to_the_canonical_rdf() -> None:
    expected = Graph().parse(DATA / "olac" / "small_record.ttl")
    assert isomorphic(olac_to_graph(small_record(), SUBJECT), expected)


def test_small_record_survives_rdf_olac_rdf() -> None:
    graph = olac_to_graph(small_record(), SUBJECT)
    assert isomorphic(olac_to_graph(graph_to_olac(graph, SUBJECT), SUBJECT), graph)


def test_small_record_keeps_every_element() -> None:
    source = small_record()
    exported = graph_to_olac(olac_to_graph(source, SUBJECT), SUBJECT)
    expected = {normalised(key) for key in element_set(source)}
    zh = (f"{{{DC_NS}}}language", "olac:language", "zh", None, "")
    expected = (expected - {zh}) | {(zh[0], zh[1], "zho", None, "")}
    assert expected == element_set(exported)


def test_hash_nodes_are_numbered_in_document_order() -> None:
    graph = olac_to_graph(small_record(), SUBJECT)
    first = URIRef(f"{SUBJECT}#agent-1")
    assert graph.value(first, FOAF.name) == Literal("Kolas, Panay")
    assert graph.value(URIRef(f"{SUBJECT}#statement-1"), RDFS.label) == Literal("Amis")
    assert isomorphic(graph, olac_to_graph(small_record(), SUBJECT))


def test_exported_olac_declares_namespaces_and_schema_location() -> None:
    olac = etree.fromstring(olac_bytes(olac_to_graph(small_record(), SUBJECT), SUBJECT))
    assert set(olac.nsmap) == {"olac", "dc", "dcterms", "xsi"}
    location = olac.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation")
    assert location == f"{OLAC_11} {OLAC_11}olac.xsd"


def test_small_record_exports_schema_valid_olac() -> None:
    assert_valid(olac_schema(), graph_to_olac(olac_to_graph(small_record(), SUBJECT), SUBJECT))


def test_legacy_olac_10_is_migrated_to_11() -> None:
    olac = parse_xml((DATA / "olac" / "legacy_10.xml").read_bytes(), "legacy_10.xml")
    graph = olac_to_graph(olac, SUBJECT)
    assert (SUBJECT, DCT.subject, lexvo("car")) in graph  # x-sil-CRB is Galibi Carib, not crb
    assert (SUBJECT, DCT.language, lexvo("eng")) in graph  # unqualified code="EN"
    assert (SUBJECT, DCT.created, Literal("2001-03-04")) in graph  # dc:created → dcterms
    assert Literal("Karína") in set(graph.objects(None, RDFS.label))
    exported = element_set(graph_to_olac(graph, SUBJECT))
    assert (f"{{{DC_NS}}}subject", "olac:language", "car", None, "Karína") in exported


def test_formosan_extension_becomes_iso_language_with_original_label() -> None:
    graph = olac_to_graph(fixture_olac("olac10b1_as-formosan_extension_example.xml", 0), SUBJECT)
    assert (SUBJECT, DCT.subject, lexvo("ami")) in graph
    assert Literal("Amis") in set(graph.objects(None, RDFS.label))
    assert (SUBJECT, DCT.type, concept("olac-linguistic-type", "lexicon")) in graph


HOSTILE_ELEMENTS = [
    ('<dc:language xsi:type="olac:language" olac:code="xyz"/>', "dc:language", "'xyz'"),
    ('<dc:language xsi:type="olac:language" olac:code="uun"/>', "dc:language", "retired"),
    ('<dc:subject xsi:type="olac:language" olac:code="qaa"/>', "dc:subject", "local-use"),
    ('<dc:contributor xsi:type="olac:role" olac:code="boss">X</dc:contributor>',
     "dc:contributor", "'boss'"),
    ('<dc:subject olac:code="syntax"/>', "dc:subject", "without xsi:type"),
    ('<dc:date xsi:type="dcterms:W3C-DTF">2001</dc:date>', "dc:date", "W3C-DTF"),
    ('<dc:type xsi:type="dcterms:DCMIType">Audio</dc:type>', "dc:type", "'Audio'"),
    ('<dc:identifier xsi:type="dcterms:URI">not a uri</dc:identifier>', "dc:identifier", "URI"),
    ('<dcterms:colour>red</dcterms:colour>', "colour", "not a Dublin Core"),
    ('<dc:title foo="bar">T</dc:title>', "dc:title", "'foo'"),
    ('<dc:title><b>T</b></dc:title>', "dc:title", "child elements"),
]


@pytest.mark.parametrize(("element", "field", "reason"), HOSTILE_ELEMENTS,
                         ids=[case[2].strip("'") for case in HOSTILE_ELEMENTS])
def test_unmappable_element_raises_input_error_naming_it(
    element: str, field: str, reason: str
) -> None:
    olac = etree.fromstring(
        f'<olac:olac xmlns:olac="{OLAC_11}" xmlns:dc="{DC_NS}" xmlns:dcterms="{DCTERMS_NS}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{element}</olac:olac>'
    )
    with pytest.raises(InputError) as raised:
        olac_to_graph(olac, SUBJECT)
    message = str(raised.value)
    assert field in (raised.value.field or "") + message
    assert reason in message
    assert str(SUBJECT) in message and "\n" not in message


@pytest.mark.parametrize(
    "element",
    ['<dc:subject olac:code="syntax"/>', '<dc:date xsi:type="dcterms:W3C-DTF">2001</dc:date>'],
    ids=["code-without-xsi-type", "W3C-DTF"],
)
def test_olac_schema_rejects_what_the_standard_forbids(element: str) -> None:
    document = (
        f'<olac:olac xmlns:olac="{OLAC_11}" xmlns:dc="{DC_NS}" xmlns:dcterms="{DCTERMS_NS}" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">{element}</olac:olac>'
    ).encode()
    assert schema_errors(olac_schema(), document)


@pytest.mark.shared
def test_olac_schema_accepts_the_standard_sample_record() -> None:
    sample = shared_path("standards", "olac", "1.1", "olac.xml").read_bytes()
    assert schema_errors(olac_schema(), sample) == []



DATASET = URIRef("https://yuliao.example.org/id/00001174")


def dataset_olac() -> etree._Element:
    graph = Graph().parse(DATA / "olac" / "corpus_dataset.ttl")
    return graph_to_olac(graph, DATASET)


def test_corpus_dataset_exports_schema_valid_olac() -> None:
    assert_valid(olac_schema(), dataset_olac())


def test_corpus_dataset_olac_carries_the_seed_fields() -> None:
    written = element_set(dataset_olac())
    dc, dcterms = f"{{{DC_NS}}}", f"{{{DCTERMS_NS}}}"
    for key in [
        (dc + "identifier", "dcterms:URI", None, None, str(DATASET)),
        (dc + "identifier", None, None, None, "00001174"),
        (dc + "title", None, None, "zh-Hant-TW", "領域資料標準"),
        (dc + "subject", None, None, "zh-Hant-TW", "資料交換"),
        (dc + "language", "olac:language", "cmn", None, ""),
        (dc + "subject", "olac:language", "ami", None, ""),
        (dc + "type", "dcterms:DCMIType", None, None, "Text"),
        (dc + "publisher", None, None, "en", "Ministry of Digital Affairs"),
        (dc + "publisher", None, None, "zh-Hant-TW", "數位發展部"),
        (dc + "format", "dcterms:IMT", None, None, "application/pdf"),
        (dcterms + "extent", None, None, None, "711568384 bytes"),
        (dcterms + "issued", "dcterms:W3CDTF", None, None, "2025-12-16"),
        (dcterms + "temporal", "dcterms:Period", None, None,
         "start=2020; end=2025; scheme=W3C-DTF"),
        (dcterms + "accessRights", "dcterms:URI", None, None,
         "http://publications.europa.eu/resource/authority/access-right/RESTRICTED"),
        (dcterms + "license", "dcterms:URI", None, None,
         "https://w3id.org/yuliao/vocab/licence/SAITDL-1.0"),
    ]:
        assert key in written, key


def test_corpus_dataset_olac_has_no_contact_details() -> None:
    text = etree.tostring(dataset_olac(), encoding="unicode")
    assert "tel:" not in text and "mailto:" not in text and "林小明" not in text
