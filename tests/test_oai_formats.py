"""What the provider disseminates: the pre-rendered fragments of every demo record, the RDF/XML
writer behind the DCAT-AP format, the triple index the renderings run on, and OLAC round trips.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

import demo
from app import create_app
from repository import Config, InputError, Record, Repository, Source
from repository.crosswalks.dcat import dcat_fragment, to_dcat
from repository.crosswalks.rdfxml import rdfxml_bytes, split_predicate
from repository.formats import to_graph
from repository.importer import load_records
from repository.provenance import provenance_fragment
from repository.readers_xml import read_xml
from repository.renderings import METADATA_FORMATS
from repository.triples import TripleIndex
from tests.conftest import DATA, shared_path
from tests.schemas import assert_valid, oaidc_schema, olac_schema
from vocab.namespaces import DCAT, DCT, PREFIXES, RDF_, YL

XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}schemaLocation"


@pytest.fixture(scope="module")
def repo() -> Iterator[Repository]:
    with Repository(Config(home=DATA / "unused"), in_memory=True) as repository:
        records = [Record(id=d.local_id, graph=d.graph, state=d.state)
                   for d in demo.records(repository.config.base_uri)]
        assert load_records(repository, records).ok
        yield repository


def published(repo: Repository) -> list[Record]:
    return list(repo.published())


# -- the fragments -----------------------------------------------------------------------------


def test_every_fragment_root_declares_its_namespace_and_schema(repo) -> None:
    for record in published(repo):
        for fmt in METADATA_FORMATS:
            fragment = repo.disseminations.get(record.id, fmt.prefix).metadata
            assert not fragment.startswith(b"<?xml")
            root = etree.fromstring(fragment)
            assert etree.QName(root).namespace == fmt.namespace
            assert root.get(XSI_LOCATION).split() == [fmt.namespace, fmt.schema]
            assert b'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"' in fragment


@pytest.mark.shared
def test_every_olac_and_oai_dc_fragment_is_valid_on_its_own(repo) -> None:
    for record in published(repo):
        assert_valid(olac_schema(), repo.disseminations.get(record.id, "olac").metadata)
        assert_valid(oaidc_schema(), repo.disseminations.get(record.id, "oai_dc").metadata)


def test_every_dcat_fragment_parses_back_to_the_dcat_graph(repo) -> None:
    for record in published(repo):
        fragment = repo.disseminations.get(record.id, "dcat").metadata
        stored = repo.public.graph(repo.ids.graph(record.id))
        expected = to_dcat(stored, repo.ids.resource(record.id))
        parsed = Graph().parse(data=fragment, format="xml")
        assert len(expected) > 10 and isomorphic(parsed, _as_parsed(expected)), record.id


def _as_parsed(graph: Graph) -> Graph:
    """``graph`` as rdflib's parsers give it (they normalise typed literals: Z → +00:00)."""
    return Graph().parse(data=graph.serialize(format="nt"), format="nt")


def test_the_served_dcat_conforms_to_the_dcat_ap_shapes_too(repo) -> None:
    from tests.test_dcat import MODULAR, _results, _shapes

    merged = Graph()
    for path in sorted((DATA / "records").glob("*.ttl")):
        graph = Graph().parse(path, format="turtle")
        subject = next(s for s in graph.subjects(RDF_.type, DCAT.Dataset) if "#" not in s)
        merged.parse(data=dcat_fragment(graph, subject), format="xml")
    assert _results(merged, _shapes("html-shacl", MODULAR))["Violation"] == []


def test_oai_dc_is_the_dumb_down_of_the_olac_record(repo) -> None:
    record = next(r for r in published(repo) if r.id == "paradisec.org.au:AIT1")
    dc = etree.fromstring(repo.disseminations.get(record.id, "oai_dc").metadata)
    values = {(etree.QName(e).localname, e.text) for e in dc}
    assert ("type", "Linguistic type: primary text") in values
    assert ("description", "Discourse type: narrative") in values
    assert ("subject", "Sediq language") in values and ("language", "trv") in values


# -- OLAC round trips --------------------------------------------------------------------------


@pytest.mark.shared
def test_an_olac_record_round_trips_through_the_provider(tmp_path) -> None:
    name = "paradisec_GetRecord_olac_AC1-013.xml"
    [source] = read_xml(shared_path("fixtures", "oai", name).read_bytes(), name)
    with Repository(Config(home=tmp_path), in_memory=True) as repository:
        local_id = "paradisec.org.au:AC1-013"
        graph = to_graph(source, repository.ids.resource(local_id))
        repository.save_batch([Record(id=local_id, graph=graph, source=source.provenance())],
                              publish=True)
        served = _get_record(repository, local_id)
    assert isomorphic(served, graph)


def test_demo_language_resources_round_trip_in_everything_olac_can_carry(repo) -> None:
    not_olac = (DCAT.landingPage, YL.accessCondition)
    for record in published(repo):
        subject = repo.ids.resource(record.id)
        if (subject, RDF_.type, YL.LanguageResource) not in record.graph:
            continue
        stored = Graph()
        for triple in record.graph:
            if triple[1] not in not_olac and triple[0] != repo.ids.catalogue_record(record.id):
                stored.add(triple)
        assert isomorphic(_get_record(repo, record.id), stored), record.id


def _get_record(repository: Repository, local_id: str) -> Graph:
    """GetRecord olac from the provider, read back by readers_xml and the OLAC crosswalk."""
    client = create_app(repository.config, repository).test_client()
    body = client.get("/oai", query_string={
        "verb": "GetRecord", "metadataPrefix": "olac",
        "identifier": repository.ids.oai(local_id)}).data
    [source] = read_xml(body, "GetRecord")
    assert source.identifier == repository.ids.oai(local_id)
    return to_graph(source, repository.ids.resource(local_id))


# -- the RDF/XML writer ------------------------------------------------------------------------

EX = "http://example.org/ns#"


def test_the_writer_handles_blank_nodes_languages_and_datatypes() -> None:
    node, graph = BNode(), Graph()
    graph.add((URIRef("http://example.org/a"), URIRef(f"{EX}knows"), node))
    graph.add((node, URIRef(f"{EX}name"), Literal("林", lang="zh-Hant-TW")))
    graph.add((node, URIRef(f"{EX}age"), Literal("7", datatype=URIRef(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    graph.add((node, URIRef(f"{EX}note"), Literal('a <b> & "c"')))
    graph.add((node, URIRef("http://example.org/other/title"), Literal("")))
    data = rdfxml_bytes(graph, PREFIXES)
    assert b'rdf:nodeID="b1"' in data and b"xmlns:ns1=" in data
    assert isomorphic(Graph().parse(data=data, format="xml"), graph)


@pytest.mark.parametrize("predicate", ["http://example.org/1", "http://example.org/a%20", "http://example.org/"])
def test_the_writer_refuses_a_predicate_without_an_xml_name(predicate) -> None:
    with pytest.raises(InputError, match="property element"):
        split_predicate(URIRef(predicate))


def test_the_writer_refuses_text_xml_cannot_carry() -> None:
    graph = Graph()
    graph.add((URIRef("http://example.org/a"), DCT.title, Literal("bell \x07")))
    with pytest.raises(InputError, match="cannot write the literal"):
        rdfxml_bytes(graph, PREFIXES)


# -- the triple index --------------------------------------------------------------------------


def test_the_triple_index_answers_like_an_rdflib_graph() -> None:
    graph = Graph().parse(DATA / "records" / "00001174.ttl", format="turtle")
    index = TripleIndex(graph)
    subject = URIRef("https://yuliao.example.org/id/00001174")
    assert len(index) == len(graph) and set(index) == set(graph)
    assert set(index.objects(subject, DCT.title)) == set(graph.objects(subject, DCT.title))
    assert set(index.subjects(RDF_.type, DCAT.Distribution)) == set(
        graph.subjects(RDF_.type, DCAT.Distribution))
    assert set(index.subject_objects(DCAT.byteSize)) == set(graph.subject_objects(DCAT.byteSize))
    assert set(index.predicate_objects(subject)) == set(graph.predicate_objects(subject))
    assert index.value(subject, DCT.identifier) == graph.value(subject, DCT.identifier)
    assert index.value(predicate=DCAT.distribution, object=URIRef(f"{subject}#dist-1")) == subject
    assert (subject, DCT.title, None) in index and (subject, DCT.creator, None) not in index
    index.remove((None, DCAT.byteSize, None))
    assert (None, DCAT.byteSize, None) not in index
    assert len(index) == len(graph) - len(set(graph.subject_objects(DCAT.byteSize)))
    index.add((subject, DCT.title, Literal("x")))
    index.add((subject, DCT.title, Literal("x")))
    assert len([o for o in index.objects(subject, DCT.title) if str(o) == "x"]) == 1


# -- provenance --------------------------------------------------------------------------------

ORIGIN = Source("oai:a.example.org:1", "2020-01-02T03:04:05+08:00", "olac",
                base_url="https://a.example.org/oai",
                metadata_namespace="http://www.language-archives.org/OLAC/1.1/")


def test_provenance_describes_the_origin_in_utc() -> None:
    about = etree.fromstring(provenance_fragment(ORIGIN, datetime(2026, 1, 1, tzinfo=UTC)))
    ns = "{http://www.openarchives.org/OAI/2.0/provenance}"
    origin = about.find(f"{ns}originDescription")
    assert origin.get("harvestDate") == "2026-01-01T00:00:00Z"  # no responseDate: first published
    assert origin.findtext(f"{ns}datestamp") == "2020-01-01T19:04:05Z"
    assert about.get(XSI_LOCATION).split()[1] == (
        "http://www.openarchives.org/OAI/2.0/provenance.xsd")


def test_the_source_provenance_is_nested_in_ours_as_the_guidelines_ask() -> None:
    """The OAI provenance guidelines' own example (two origins deep) becomes the inner part of
    a three-deep chain that still validates against provenance.xsd."""
    example = etree.parse(str(shared_path("standards", "oai-pmh", "2.0", "examples",
                                          "provenance-test1.xml")))
    schema = etree.XMLSchema(etree.parse(str(shared_path("standards", "oai-pmh", "2.0",
                                                         "provenance.xsd"))))
    ns = "{http://www.openarchives.org/OAI/2.0/provenance}"
    prior = example.getroot().find(f"{ns}originDescription")
    source = replace(ORIGIN, prior_origin=etree.tostring(prior, encoding="unicode",
                                                         with_tail=False))
    about = etree.fromstring(provenance_fragment(source, datetime(2026, 1, 1, tzinfo=UTC)))
    assert_valid(schema, about)
    ours = about.find(f"{ns}originDescription")
    assert ours.findtext(f"{ns}identifier") == ORIGIN.identifier
    assert etree.tostring(ours[-1], method="c14n") == etree.tostring(prior, method="c14n")
    assert len(about.findall(f".//{ns}originDescription")) == 3


def test_a_prior_origin_that_is_not_an_origin_description_is_refused() -> None:
    source = replace(ORIGIN, prior_origin="<baseURL>https://x.example.org/</baseURL>")
    with pytest.raises(InputError, match="originDescription"):
        provenance_fragment(source, datetime(2026, 1, 1, tzinfo=UTC))


@pytest.mark.parametrize("missing", ["base_url", "metadata_namespace", "datestamp"])
def test_no_provenance_without_a_complete_origin(missing) -> None:
    source = replace(ORIGIN, **{missing: None})
    assert provenance_fragment(source, datetime(2026, 1, 1, tzinfo=UTC)) is None
    assert provenance_fragment(replace(ORIGIN, datestamp="n.d."), None) is None
