"""The DCAT-AP 3.0.1 export: conformance to the official shapes, no admin leaks, round trips."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph
import pytest
from pyshacl import validate
from rdflib import Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import SH

from repository.crosswalks.dcat import catalogue, record_subject, serialize_dcat, to_dcat
from repository.errors import InputError
from repository.formats import read_bytes, to_graph
from tests.conftest import DATA, shared_path
from vocab.namespaces import DCAT, DCT, FOAF, ODRL, RDF_, RDFS, SKOS, XSD, YL, concept, lexvo

OX_FORMATS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "xml": pyoxigraph.RdfFormat.RDF_XML,
              "json-ld": pyoxigraph.RdfFormat.JSON_LD}
RECORDS = sorted((DATA / "records").glob("*.ttl"))
BASE = "https://yuliao.example.org/"
SHAPES_DIR = ("standards", "dcat-ap", "3.0.1")
# The modular shapes of the published HTML spec are the complete official set: mandatory +
# recommended (sh:Warning) + ranges + deprecated IRIs. mdr-vocabularies.shape.ttl (EU code lists)
# and *imports.ttl (network) are left out. The consolidated shacl/dcat-ap-SHACL.ttl + ranges.ttl
# are not usable: they carry no recommended (Warning) shapes, and ranges.ttl references 5
# property shapes that neither file defines, which pyshacl refuses as malformed.
MODULAR = ("shapes.ttl", "shapes_recommended.ttl", "range.ttl", "deprecateduris.ttl")


def _record(path: Path) -> tuple[Graph, URIRef]:
    graph = Graph().parse(path, format="turtle")
    return graph, record_subject(graph)


def _shapes(folder: str, names: tuple[str, ...]) -> Graph:
    shapes = Graph()
    for name in names:
        shapes.parse(shared_path(*SHAPES_DIR, folder, name), format="turtle")
    return shapes


@pytest.fixture(scope="module")
def modular_shapes() -> Graph:
    return _shapes("html-shacl", MODULAR)


@pytest.fixture(scope="module")
def all_exports() -> Graph:
    merged = Graph()
    for path in RECORDS:
        merged += to_dcat(*_record(path))
    return merged


def _results(data: Graph, shapes: Graph) -> dict[str, list[str]]:
    _, report, _ = validate(data, shacl_graph=shapes, inference="none", advanced=False)
    found: dict[str, list[str]] = {"Violation": [], "Warning": [], "Info": []}
    for result in report.subjects(RDF_.type, SH.ValidationResult):
        severity = str(report.value(result, SH.resultSeverity)).rsplit("#", 1)[-1]
        found[severity].append(
            f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
            f"{report.value(result, SH.resultMessage)}"
        )
    return found


def test_there_are_example_records_of_each_kind() -> None:
    kinds = {kind for path in RECORDS for kind in _record(path)[0].objects(None, RDF_.type)}
    assert {YL.CorpusDataset, YL.LanguageResource} <= kinds
    assert len(RECORDS) >= 3


@pytest.mark.shared
def test_every_export_conforms_to_the_modular_dcat_ap_shapes(
    all_exports: Graph, modular_shapes: Graph
) -> None:
    found = _results(all_exports, modular_shapes)
    for warning in found["Warning"]:
        print("DCAT-AP warning:", warning)
    assert found["Violation"] == []


@pytest.mark.shared
@pytest.mark.parametrize("breakage", ["distribution without accessURL",
                                      "dataset without description"])
def test_the_shapes_catch_a_broken_export(breakage: str, modular_shapes: Graph) -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    exported = to_dcat(graph, subject)
    if breakage == "dataset without description":
        exported.remove((subject, DCT.description, None))
        path = DCT.description
    else:
        exported.remove((None, DCAT.accessURL, None))
        path = DCAT.accessURL
    violations = _results(exported, modular_shapes)["Violation"]
    assert any(f" {path}: " in violation for violation in violations), violations


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
def test_export_holds_no_admin_terms_or_raw_payload(path: Path) -> None:
    graph, subject = _record(path)
    exported = to_dcat(graph, subject)
    assert not [t for t in exported if any(str(term).startswith(YL.base) for term in t[:2])]
    assert (None, RDF_.type, YL.Record) not in exported
    assert "raw form payload" not in serialize_dcat(graph, subject, "turtle").decode()


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.stem)
@pytest.mark.parametrize("fmt", ["xml", "json-ld"])
def test_serialisations_parse_back_isomorphic_to_turtle(path: Path, fmt: str) -> None:
    graph, subject = _record(path)
    turtle = _parse_independently(serialize_dcat(graph, subject, "turtle"), "turtle")
    other = _parse_independently(serialize_dcat(graph, subject, fmt), fmt)
    assert len(turtle) > 20
    assert isomorphic(turtle, other)


def _parse_independently(data: bytes, fmt: str) -> Graph:
    """Parse with Oxigraph, a second implementation (rdflib 7.6's own JSON-LD parser also
    trips its own ConjunctiveGraph DeprecationWarning)."""
    triples = [quad.triple for quad in pyoxigraph.parse(data, format=OX_FORMATS[fmt])]
    ntriples = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return Graph().parse(data=ntriples, format="nt")


def test_tags_become_types_and_themes_as_labelled_concepts() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    exported = to_dcat(graph, subject)
    policy_doc = concept("text-type", "policy-document")
    assert (subject, DCT.type, policy_doc) in exported
    assert (policy_doc, RDF_.type, SKOS.Concept) in exported
    assert exported.value(policy_doc, SKOS.prefLabel) is not None
    themes = set(exported.objects(subject, DCAT.theme))
    assert themes == {concept("application-domain", "public-administration"),
                      concept("application-domain", "health"),
                      concept("portal-theme", "education")}


def test_vocabulary_labels_win_over_derived_ones() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    health = concept("application-domain", "health")
    vocabulary = Graph()
    vocabulary.add((health, SKOS.prefLabel, Literal("健康醫療", lang="zh-Hant-TW")))
    exported = to_dcat(graph, subject, vocabulary)
    assert set(exported.objects(health, SKOS.prefLabel)) == {Literal("健康醫療", lang="zh-Hant-TW")}


def test_w3cdtf_dates_become_xsd_dates() -> None:
    graph, subject = _record(DATA / "records" / "paradisec.org.au_AC1-013.ttl")
    exported = to_dcat(graph, subject)
    assert exported.value(subject, DCT.created) == Literal("1960-01-01", datatype=XSD.date)
    assert exported.value(subject, DCT.date) == Literal("1960", datatype=XSD.gYear)
    assert exported.value(subject, DCT.modified) == Literal(
        "2016-03-16T15:32:00+10:00", datatype=XSD.dateTime)
    # a value no XSD type can hold is kept as the source gave it
    assert exported.value(subject, DCT.available) == Literal("circa 1960", datatype=DCT.W3CDTF)


def test_literal_rights_become_labelled_statement_nodes() -> None:
    graph, subject = _record(DATA / "records" / "paradisec.org.au_AC1-013.ttl")
    exported = to_dcat(graph, subject)
    for prop, cls in ((DCT.accessRights, DCT.RightsStatement), (DCT.rights, DCT.RightsStatement),
                      (DCT.provenance, DCT.ProvenanceStatement)):
        node = exported.value(subject, prop)
        assert isinstance(node, URIRef)
        assert (node, RDF_.type, cls) in exported
        assert str(exported.value(node, RDFS.label)).startswith(("Open", "Digitised"))


def test_objects_carry_the_classes_the_range_shapes_check() -> None:
    graph, subject = _record(DATA / "records" / "00002001.ttl")
    exported = to_dcat(graph, subject)
    assert (lexvo("hak"), RDF_.type, DCT.LinguisticSystem) in exported
    assert (concept("licence", "OGDL-Taiwan-1.0"), RDF_.type, DCT.LicenseDocument) in exported
    assert (URIRef(f"{BASE}agency/A61000000G"), RDF_.type, FOAF.Agent) in exported
    frequency = exported.value(subject, DCT.accrualPeriodicity)
    assert (frequency, RDF_.type, DCT.Frequency) in exported


def test_every_distribution_gets_an_access_url() -> None:
    graph, subject = _record(DATA / "records" / "00002001.ttl")
    exported = to_dcat(graph, subject)
    dist_1, dist_2 = URIRef(f"{subject}#dist-1"), URIRef(f"{subject}#dist-2")
    assert exported.value(dist_1, DCAT.accessURL) == exported.value(dist_1, DCAT.downloadURL)
    assert exported.value(dist_2, DCAT.accessURL) == URIRef(
        "https://api.example.gov.tw/hakka/vocabulary")


def test_saitdl_policy_allows_ai_training_until_the_validity_date() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    exported = to_dcat(graph, subject)
    policy = exported.value(URIRef(f"{subject}#dist-1"), ODRL.hasPolicy)
    assert (policy, RDF_.type, ODRL.Policy) in exported
    permission = exported.value(policy, ODRL.permission)
    assert exported.value(permission, ODRL.action) == YL.aiTraining
    constraint = exported.value(permission, ODRL.constraint)
    assert exported.value(constraint, ODRL.rightOperand) == Literal("2030-12-31", datatype=XSD.date)
    prohibition = exported.value(policy, ODRL.prohibition)
    assert exported.value(prohibition, ODRL.action) == YL.generateSubstantiallySimilar


def test_catalogue_record_modified_is_the_datestamp() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    record = URIRef(f"{BASE}record/00001174")
    exported = to_dcat(graph, subject)
    assert exported.value(record, FOAF.primaryTopic) == subject
    assert exported.value(record, DCT.modified) == graph.value(record, YL.datestamp)


@pytest.mark.shared
def test_catalogue_lists_every_record_and_conforms(modular_shapes: Graph) -> None:
    graphs = [_record(path)[0] for path in RECORDS]
    catalog = catalogue(graphs, BASE)
    catalog_iri = URIRef(f"{BASE}catalog")
    assert len(set(catalog.objects(catalog_iri, DCAT.dataset))) == len(RECORDS)
    assert len(set(catalog.objects(catalog_iri, DCAT.record))) == len(RECORDS)
    assert {t.language for t in catalog.objects(catalog_iri, DCT.title)} == {"zh-Hant-TW", "en"}
    assert _results(catalog, modular_shapes)["Violation"] == []


def test_unknown_serialisation_is_refused() -> None:
    graph, subject = _record(DATA / "records" / "00001174.ttl")
    with pytest.raises(InputError, match="n3"):
        serialize_dcat(graph, subject, "n3")


def test_subject_missing_from_the_graph_is_refused() -> None:
    graph, _ = _record(DATA / "records" / "00001174.ttl")
    with pytest.raises(InputError):
        to_dcat(graph, URIRef(f"{BASE}id/99999999"))


@pytest.mark.shared
def test_records_read_from_data_gov_tw_export_conformant_dcat(modular_shapes: Graph) -> None:
    merged = Graph()
    for name in ("taic_saitdl_dataset.json", "catalogue_export.json"):
        for record in read_bytes((DATA / "govtw" / name).read_bytes(), name):
            subject = URIRef(f"{BASE}id/data.gov.tw:{record.identifier}")
            merged += to_dcat(to_graph(record, subject), subject)
    for name in ("datagovtw_api_v1_getDatasetById_example.json",
                 "datagovtw_node12639_page_metadata_2017.json"):
        for record in read_bytes(shared_path("fixtures", "govtw", name).read_bytes(), name):
            subject = URIRef(f"{BASE}id/data.gov.tw:{record.identifier}")
            merged += to_dcat(to_graph(record, subject), subject)
    assert len(set(merged.subjects(RDF_.type, DCAT.Dataset))) == 5
    assert _results(merged, modular_shapes)["Violation"] == []
