"""The SPARQL result writers: every term kind, escaping and unbound values survive a round trip
through rdflib's independent result parsers (JSON, XML, CSV, TSV); graphs through its RDF
parsers."""

from __future__ import annotations

import csv
import io
import json

import pyoxigraph
import pytest
from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.query import Result

from endpoints.sparql.negotiation import FORMATS
from endpoints.sparql.results import (
    CannotSerialise,
    serialise,
    to_csv,
    to_json,
    to_tsv,
    to_xml,
)
from repository.sparql import Boolean, Solutions, Triples
from repository.store import to_rdflib
from vocab.namespaces import XSD

TRICKY = [
    URIRef("http://example.org/a?b=c&d=%3Ce%3E#f"),
    Literal("plain, with \"quotes\",\ttab\nnew line and \\ backslash"),
    Literal("臺灣閩南語", lang="zh-Hant-TW"),
    Literal("42", datatype=XSD.integer),
    Literal("2026-01-01", datatype=XSD.date),
    BNode("b0"),
    Literal("<xml> & ampersand", lang="en"),
]
ANSWER = Solutions(variables=["x", "unbound"], rows=[{"x": term} for term in TRICKY])
OX_PARSERS = {"turtle": pyoxigraph.RdfFormat.TURTLE, "jsonld": pyoxigraph.RdfFormat.JSON_LD,
              "rdfxml": pyoxigraph.RdfFormat.RDF_XML, "ntriples": pyoxigraph.RdfFormat.N_TRIPLES}


def parsed(data: bytes, fmt: str) -> list[tuple]:
    result = Result.parse(io.BytesIO(data), format=fmt)
    return [tuple(row) for row in result]


@pytest.mark.parametrize(("writer", "fmt"), [(to_json, "json"), (to_xml, "xml"),
                                             (to_tsv, "tsv")])
def test_typed_writers_round_trip_every_term(writer, fmt: str) -> None:
    rows = parsed(writer(ANSWER), fmt)
    assert [row[0] for row in rows][:5] == TRICKY[:5]
    assert isinstance(rows[5][0], BNode)
    assert rows[6][0] == TRICKY[6]
    assert all(row[1] is None for row in rows)


def test_json_follows_the_w3c_shape() -> None:
    document = json.loads(to_json(ANSWER))
    assert document["head"] == {"vars": ["x", "unbound"]}
    bindings = [b["x"] for b in document["results"]["bindings"]]
    assert bindings[2] == {"type": "literal", "value": "臺灣閩南語", "xml:lang": "zh-Hant-TW"}
    assert bindings[3] == {"type": "literal", "value": "42", "datatype": str(XSD.integer)}
    assert bindings[5] == {"type": "bnode", "value": "b0"}
    assert "datatype" not in bindings[1]


def test_csv_writes_bare_values_quoted_per_rfc_4180() -> None:
    data = to_csv(ANSWER)
    assert data.startswith(b"x,unbound\r\n")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["x", "unbound"]
    assert [row[0] for row in rows[1:]] == [
        str(TRICKY[0]), str(TRICKY[1]), "臺灣閩南語", "42", "2026-01-01", "_:b0",
        "<xml> & ampersand"]
    assert all(row[1] == "" for row in rows[1:])


def test_tsv_keeps_every_row_on_one_line() -> None:
    lines = to_tsv(ANSWER).decode("utf-8").split("\n")
    assert lines[0] == "?x\t?unbound"
    assert len(lines) == len(TRICKY) + 2 and lines[-1] == ""
    assert lines[4] == f'"42"^^<{XSD.integer}>\t'


def test_xml_is_in_the_results_namespace() -> None:
    root = etree.fromstring(to_xml(ANSWER))
    assert root.tag == "{http://www.w3.org/2005/sparql-results#}sparql"
    names = [v.get("name") for v in root.iter("{http://www.w3.org/2005/sparql-results#}variable")]
    assert names == ["x", "unbound"]


@pytest.mark.parametrize("value", [True, False])
@pytest.mark.parametrize(("writer", "fmt"), [(to_json, "json"), (to_xml, "xml")])
def test_booleans_round_trip(writer, fmt: str, value: bool) -> None:
    assert Result.parse(io.BytesIO(writer(Boolean(value))), format=fmt).askAnswer is value


@pytest.mark.parametrize("writer", [to_csv, to_tsv])
def test_booleans_in_csv_and_tsv_use_one_ask_column(writer) -> None:
    assert writer(Boolean(True)).decode().split()[1] == "true"


def test_text_xml_cannot_carry_is_refused_with_406() -> None:
    with pytest.raises(CannotSerialise) as raised:
        to_xml(Solutions(["x"], [{"x": Literal("bell \x07")}]))
    assert raised.value.status == 406


GRAPH_ANSWER = Triples(triples=[
    (URIRef("http://example.org/d"), URIRef("http://purl.org/dc/terms/title"), term)
    for term in TRICKY if isinstance(term, Literal)
] + [(BNode("x"), URIRef("http://purl.org/dc/terms/relation"), URIRef("http://example.org/d"))])


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.name in OX_PARSERS],
                         ids=lambda f: f.name)
def test_graphs_parse_back_isomorphic_with_another_parser(fmt) -> None:
    data = serialise(GRAPH_ANSWER, fmt)
    back, expected = Graph(), Graph()
    for quad in pyoxigraph.parse(data, format=OX_PARSERS[fmt.name]):
        back.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    for triple in GRAPH_ANSWER.triples:
        expected.add(triple)
    assert isomorphic(back, expected)


def test_a_predicate_rdf_xml_cannot_spell_is_refused_with_406() -> None:
    answer = Triples([(URIRef("http://e/s"), URIRef("http://e/p/"), Literal("o"))])
    with pytest.raises(CannotSerialise, match="rdfxml"):
        serialise(answer, next(f for f in FORMATS if f.name == "rdfxml"))
