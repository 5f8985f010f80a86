"""RDF → oai_dc by OLAC's dumb-down crosswalk, and oai_dc → RDF."""

from __future__ import annotations

import pytest
from lxml import etree
from rdflib import Graph, Literal, URIRef

from repository.crosswalks.oai_dc import SCHEMA_LOCATION, graph_to_oaidc, oaidc_to_graph
from repository.crosswalks.olac import XML_LANG, olac_to_graph
from repository.errors import InputError
from repository.formats import to_graph
from repository.readers_xml import read_xml
from repository.xmlsafe import parse_xml
from tests.conftest import DATA, shared_path
from tests.schemas import assert_valid, oaidc_schema, schema_errors
from tests.test_olac_crosswalk import OLAC_RECORDS, RECORD_IDS
from vocab.namespaces import DCT, lexvo

SUBJECT = URIRef("https://yuliao.example.org/id/test:amis-1")
DC = "{http://purl.org/dc/elements/1.1/}"


def dc_values(dc: etree._Element) -> set[tuple[str, str, str | None]]:
    return {(etree.QName(e).localname, e.text or "", e.get(XML_LANG)) for e in dc}


def small_record_oaidc() -> etree._Element:
    olac = parse_xml((DATA / "olac" / "small_record.xml").read_bytes(), "small_record.xml")
    return graph_to_oaidc(olac_to_graph(olac, SUBJECT), SUBJECT)


@pytest.mark.shared
@pytest.mark.parametrize(("name", "index"), OLAC_RECORDS, ids=RECORD_IDS)
def test_fixture_olac_record_gives_schema_valid_oai_dc(name: str, index: int) -> None:
    path = shared_path("fixtures", "oai", name)
    record = list(read_xml(path.read_bytes(), name))[index]
    assert_valid(oaidc_schema(), graph_to_oaidc(to_graph(record, SUBJECT), SUBJECT))


@pytest.mark.shared
@pytest.mark.parametrize("name", [
    "zenodo_ListRecords_oai_dc_50recs_cjk.xml", "zenodo_ListRecords_oai_dc_page2_deleted.xml",
])
def test_harvested_oai_dc_records_round_trip_to_valid_oai_dc(name: str) -> None:
    path = shared_path("fixtures", "oai", name)
    for record in read_xml(path.read_bytes(), name):
        if record.deleted:
            continue
        graph = to_graph(record, SUBJECT)
        again = graph_to_oaidc(graph, SUBJECT)
        assert schema_errors(oaidc_schema(), again) == [], record.identifier
        assert dc_values(again) <= dc_values(record.metadata) | language_names(record.metadata)


def language_names(dc: etree._Element) -> set[tuple[str, str, str | None]]:
    """The reference names the dumb-down adds beside ISO 639 language codes."""
    from vocab.languages import is_valid, resolve

    return {("language", resolve(e.text.strip()).name, None)
            for e in dc.iterchildren(f"{DC}language") if e.text and is_valid(e.text)} | {
        ("language", resolve(e.text.strip()).code, None)
        for e in dc.iterchildren(f"{DC}language") if e.text and is_valid(e.text)}


def test_small_record_gives_schema_valid_oai_dc() -> None:
    assert_valid(oaidc_schema(), small_record_oaidc())


def test_dumb_down_follows_olac_display_rules() -> None:
    values = dc_values(small_record_oaidc())
    for expected in [
        ("type", "Linguistic type: primary text", None),
        ("type", "transcribed stories", None),  # content beside the code is kept
        ("subject", "language documentation", None),
        ("description", "Discourse type: narrative", None),
        ("language", "ami", None), ("language", "Amis", None),
        ("language", "zho", None), ("language", "Chinese", None),
        ("subject", "Amis language", None),
        ("subject", "Pangcah (northern)", None),
        ("creator", "Lin, Mei", None),  # contributor with role author
        ("creator", "Chen, Wen", None),
        ("contributor", "Kolas, Panay", None),
        ("publisher", "中央研究院", "zh-Hant-TW"),
        ("title", "阿美語故事語料", "zh-Hant-TW"), ("title", "Pangcah narratives", None),
        ("format", "audio/x-wav", None), ("format", "00:42:10", None),
        ("coverage", "TW", None), ("coverage", "east=121.6; north=23.97", None),
        ("rights", "https://creativecommons.org/licenses/by/4.0/", None),
        ("type", "Sound", None),
    ]:
        assert expected in values, expected
    assert ("contributor", "Lin, Mei", None) not in values


def test_dumb_down_keeps_one_date_by_priority() -> None:
    dates = [e.text for e in small_record_oaidc().iterchildren(f"{DC}date")]
    assert dates == ["about 2019"]  # dc:date beats issued and created


def test_dumb_down_prefers_issued_over_created_without_dc_date() -> None:
    graph = olac_to_graph(
        parse_xml((DATA / "olac" / "small_record.xml").read_bytes(), "s.xml"), SUBJECT)
    graph.remove((SUBJECT, DCT.date, None))
    dates = [e.text for e in graph_to_oaidc(graph, SUBJECT).iterchildren(f"{DC}date")]
    assert dates == ["2020-01-15"]


def test_dumb_down_drops_every_attribute_but_xml_lang() -> None:
    dc = small_record_oaidc()
    assert {key for element in dc for key in element.attrib} == {XML_LANG}
    assert dc.get("{http://www.w3.org/2001/XMLSchema-instance}schemaLocation") == SCHEMA_LOCATION
    assert set(dc.nsmap) == {"oai_dc", "dc", "xsi"}


def test_corpus_dataset_gives_schema_valid_oai_dc() -> None:
    subject = URIRef("https://yuliao.example.org/id/00001174")
    graph = Graph().parse(DATA / "olac" / "corpus_dataset.ttl")
    dc = graph_to_oaidc(graph, subject)
    assert_valid(oaidc_schema(), dc)
    assert ("identifier", str(subject), None) in dc_values(dc)


def test_oai_dc_reads_to_plain_literals_and_lexvo_languages() -> None:
    dc = parse_xml((DATA / "olac" / "oai_dc_record.xml").read_bytes(), "oai_dc_record.xml")
    graph = oaidc_to_graph(dc, SUBJECT)
    assert (SUBJECT, DCT.title, Literal("排灣語詞彙", lang="zh-Hant")) in graph
    assert set(graph.objects(SUBJECT, DCT.language)) == {
        lexvo("pwn"), lexvo("zho"), Literal("Paiwan")}
    assert (SUBJECT, DCT.identifier, Literal("https://example.org/records/42")) in graph
    assert (SUBJECT, DCT.relation, Literal("https://example.org/collections/7")) in graph
    assert (SUBJECT, DCT.creator, Literal("Wang, Da-Ming")) in graph
    assert not list(graph.objects(SUBJECT, DCT.subject))  # the empty dc:subject says nothing


@pytest.mark.parametrize(
    "element",
    ['<dc:title foo="x">T</dc:title>', "<dc:colour>red</dc:colour>", "<dc:title><b/></dc:title>"],
    ids=["attribute", "unknown-element", "child-element"],
)
def test_oai_dc_with_unmappable_element_raises_input_error(element: str) -> None:
    dc = etree.fromstring(
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">{element}</oai_dc:dc>'
    )
    with pytest.raises(InputError, match="dc:"):
        oaidc_to_graph(dc, SUBJECT)


def test_oai_dc_schema_rejects_a_qualified_element() -> None:
    document = (b'<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
                b'xmlns:dcterms="http://purl.org/dc/terms/"><dcterms:abstract>A</dcterms:abstract>'
                b"</oai_dc:dc>")
    assert schema_errors(oaidc_schema(), document)
