"""The SHACL shapes themselves: parsed once, well-formed SHACL, bilingual, code lists complete."""

from __future__ import annotations

import re

import pyshacl
import pytest
from pyshacl.errors import ReportableRuntimeError
from rdflib import Graph, Namespace, URIRef
from rdflib.collection import Collection

import shapes
from tests.conftest import ROOT, shared_path
from vocab.namespaces import DCT, YL, concept

SH = Namespace("http://www.w3.org/ns/shacl#")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def shape_copy() -> Graph:
    """A private copy of the shapes, so pyshacl's own writes never reach the shared graph."""
    copy = Graph()
    for triple in shapes.load():
        copy.add(triple)
    return copy


def in_list(shape: URIRef) -> list[URIRef]:
    """The members of ``shape``'s sh:in list (directly or in its sh:or operands)."""
    graph = shapes.load()
    lists = list(graph.objects(shape, SH["in"]))
    for operands in graph.objects(shape, SH["or"]):
        for operand in Collection(graph, operands):
            lists.extend(graph.objects(operand, SH["in"]))
    assert len(lists) == 1, f"{shape} should have exactly one sh:in list"
    return list(Collection(graph, lists[0]))


def codes(members: list[URIRef], scheme: str) -> set[str]:
    prefix = str(concept(scheme, ""))
    assert all(str(m).startswith(prefix) for m in members)
    return {str(m)[len(prefix):] for m in members}


def model_table_codes(scheme: str) -> set[str]:
    """The codes of ``scheme`` in docs/data-model.md's scheme table (the contract we code to)."""
    text = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    row = next(line for line in text.splitlines() if line.startswith(f"| `{scheme}`"))
    return set(re.findall(r"`([A-Za-z0-9.\-]+)`", row.split("|")[2]))


def test_shapes_are_parsed_once_and_shared() -> None:
    assert shapes.load() is shapes.load()


@pytest.mark.parametrize(
    ("shape", "target"),
    [
        (shapes.DATASET_SHAPE, YL.CorpusDataset),
        (shapes.LANGUAGE_RESOURCE_SHAPE, YL.LanguageResource),
    ],
)
def test_each_shape_targets_its_class(shape: URIRef, target: URIRef) -> None:
    graph = shapes.load()
    assert (shape, RDF_TYPE, SH.NodeShape) in graph
    assert list(graph.objects(shape, SH.targetClass)) == [target]


def test_shapes_pass_the_shacl_meta_shapes() -> None:
    conforms, _report, text = pyshacl.validate(
        Graph(), shacl_graph=shape_copy(), meta_shacl=True, inference=None, advanced=False
    )
    assert conforms, text


def test_meta_shacl_check_rejects_a_malformed_shape() -> None:
    broken = Graph().parse(format="turtle", data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        <urn:x:S> a sh:NodeShape ; sh:targetClass <urn:x:C> ;
            sh:property [ sh:path <urn:x:p> ; sh:minCount "one" ] .
    """)
    with pytest.raises(ReportableRuntimeError, match="(?i)shacl"):
        pyshacl.validate(Graph(), shacl_graph=broken, meta_shacl=True, inference=None)


def constraint_holders() -> list[URIRef]:
    """Every property shape and SPARQL constraint, and every node shape with its own constraint."""
    graph = shapes.load()
    holders = set(graph.subjects(RDF_TYPE, SH.PropertyShape))
    holders |= set(graph.subjects(RDF_TYPE, SH.SPARQLConstraint))
    for logical in (SH.xone, SH["or"]):
        holders |= {s for s in graph.subjects(logical, None) if isinstance(s, URIRef)}
    return sorted(holders)


def test_every_constraint_has_a_message_in_traditional_chinese_and_english() -> None:
    graph = shapes.load()
    holders = constraint_holders()
    assert len(holders) > 30
    for holder in holders:
        languages = {m.language for m in graph.objects(holder, SH.message)}
        assert {"zh-Hant", "en"} <= languages, f"{holder} lacks a zh-Hant or en sh:message"


def test_every_property_shape_has_a_bilingual_name() -> None:
    graph = shapes.load()
    for shape in graph.subjects(RDF_TYPE, SH.PropertyShape):
        assert {n.language for n in graph.objects(shape, SH.name)} == {"zh-Hant", "en"}, shape


@pytest.mark.parametrize(
    ("shape", "scheme", "count"),
    [
        ("Dataset-textType", "text-type", 10),
        ("Dataset-applicationDomain", "application-domain", 11),
        ("Dataset-license", "licence", 10),
    ],
)
def test_dataset_code_lists_match_the_data_model(shape: str, scheme: str, count: int) -> None:
    found = codes(in_list(shapes.SHAPES[shape]), scheme)
    assert len(found) == count
    assert found == model_table_codes(scheme)


def test_media_types_are_the_five_upload_formats_of_seed_001() -> None:
    found = {str(m).rsplit("/", 1)[-1] for m in in_list(shapes.SHAPES["Distribution-mediaType"])}
    assert found == {"pdf", "vnd.oasis.opendocument.text", "csv", "xml", "json"}


OLAC_LISTS = [
    ("LanguageResource-role", "olac-role", "olac:role", 24),
    ("LanguageResource-linguisticType", "olac-linguistic-type", "olac:linguistic-type", 3),
    ("LanguageResource-linguisticField", "olac-linguistic-field", "olac:linguistic-field", 29),
    ("DiscourseTypeCode", "olac-discourse-type", "olac:discourse-type", 10),
]


@pytest.mark.parametrize(("shape", "scheme", "_extension", "count"), OLAC_LISTS)
def test_olac_code_lists_have_the_olac_1_1_sizes(
    shape: str, scheme: str, _extension: str, count: int
) -> None:
    assert len(codes(in_list(shapes.SHAPES[shape]), scheme)) == count


@pytest.mark.shared
@pytest.mark.parametrize(("shape", "scheme", "extension", "_count"), OLAC_LISTS)
def test_olac_code_lists_match_the_shared_olac_notes(
    shape: str, scheme: str, extension: str, _count: int
) -> None:
    notes = shared_path("notes", "olac_oaipmh.md").read_text(encoding="utf-8")
    row = next(line for line in notes.splitlines() if line.startswith(f"| `{extension}`"))
    spans = re.findall(r"`([^`]+)`", row.split("|")[4])
    listed = set(max(spans, key=len).split(", "))
    assert codes(in_list(shapes.SHAPES[shape]), scheme) == listed


def test_every_w3cdtf_date_property_is_checked() -> None:
    graph = shapes.load()
    checked = {
        graph.value(s, SH.path) for s in graph.subjects(SH["or"], None)
        if any(
            shapes.SHAPES.W3CDTFForm in Collection(graph, ops) for ops in graph.objects(s, SH["or"])
        )
    }
    dates = [
        "date", "created", "issued", "modified", "available", "valid", "dateAccepted",
        "dateCopyrighted", "dateSubmitted",
    ]
    assert checked == {DCT[name] for name in dates}
