"""Answers written out: SPARQL 1.1 Query Results JSON, XML, CSV and TSV for SELECT and ASK,
rdflib's writers for CONSTRUCT and DESCRIBE (Turtle, JSON-LD, RDF/XML, N-Triples).

Terms follow the W3C formats: a plain literal carries neither language nor datatype, a
language-tagged one ``xml:lang``, a typed one its datatype; blank nodes keep the labels the
store gave them. CSV writes values without type (IRIs bare, literals as their lexical form,
blank nodes as ``_:label``) and quotes per RFC 4180; TSV writes every term in Turtle syntax.
W3C defines no CSV/TSV for ASK: we write Jena's form (a ``_askResult`` column, one row).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable

from lxml import etree
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from repository.errors import InputError
from repository.export import serialize_rdf
from repository.sparql import Boolean, Solutions, Triples
from vocab.namespaces import bind_prefixes

from .negotiation import Format

RESULTS_NS = "http://www.w3.org/2005/sparql-results#"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ASK_COLUMN = "_askResult"
#: Our short format names → rdflib serialiser names.


class CannotSerialise(Exception):
    """The answer cannot be written in the chosen format (for example a predicate RDF/XML
    cannot spell); an endpoint answers 406 and names the format."""

    status = 406


# -- JSON ------------------------------------------------------------------------------------


def json_term(term: Node) -> dict[str, str]:
    """One RDF term as a SPARQL JSON binding value."""
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    value: dict[str, str] = {"type": "literal", "value": str(term)}
    if isinstance(term, Literal) and term.language:
        value["xml:lang"] = term.language
    elif isinstance(term, Literal) and term.datatype:
        value["datatype"] = str(term.datatype)
    return value


def to_json(answer: Solutions | Boolean) -> bytes:
    """SPARQL 1.1 Query Results JSON (UTF-8)."""
    if isinstance(answer, Boolean):
        document: dict = {"head": {}, "boolean": answer.value}
    else:
        bindings = [{name: json_term(term) for name, term in row.items()}
                    for row in answer.rows]
        document = {"head": {"vars": answer.variables}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False).encode("utf-8")


# -- XML -------------------------------------------------------------------------------------


def to_xml(answer: Solutions | Boolean) -> bytes:
    """SPARQL Query Results XML (UTF-8). Raises CannotSerialise for a value XML cannot hold
    (control characters)."""
    root = etree.Element(f"{{{RESULTS_NS}}}sparql", nsmap={None: RESULTS_NS})
    head = etree.SubElement(root, f"{{{RESULTS_NS}}}head")
    try:
        if isinstance(answer, Boolean):
            etree.SubElement(root, f"{{{RESULTS_NS}}}boolean").text = str(answer.value).lower()
        else:
            for name in answer.variables:
                etree.SubElement(head, f"{{{RESULTS_NS}}}variable", name=name)
            results = etree.SubElement(root, f"{{{RESULTS_NS}}}results")
            for row in answer.rows:
                _xml_result(etree.SubElement(results, f"{{{RESULTS_NS}}}result"), row)
    except ValueError as error:
        raise CannotSerialise(f"the answer holds text XML cannot carry: {error}") from error
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _xml_result(result: etree._Element, row: dict[str, Node]) -> None:
    for name, term in row.items():
        binding = etree.SubElement(result, f"{{{RESULTS_NS}}}binding", name=name)
        kind = json_term(term)
        element = etree.SubElement(binding, f"{{{RESULTS_NS}}}{kind['type']}")
        element.text = kind["value"]
        if "xml:lang" in kind:
            element.set(XML_LANG, kind["xml:lang"])
        elif "datatype" in kind:
            element.set("datatype", kind["datatype"])


# -- CSV and TSV -----------------------------------------------------------------------------


def csv_value(term: Node | None) -> str:
    """A term as a SPARQL CSV field (before RFC 4180 quoting): no types, no language."""
    if term is None:
        return ""
    if isinstance(term, BNode):
        return f"_:{term}"
    return str(term)


def tsv_value(term: Node | None) -> str:
    """A term as a SPARQL TSV field: Turtle syntax, strings escaped to stay on one line."""
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    escaped = (str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
               .replace("\r", "\\r").replace("\t", "\\t"))
    if isinstance(term, Literal) and term.language:
        return f'"{escaped}"@{term.language}'
    if isinstance(term, Literal) and term.datatype:
        return f'"{escaped}"^^<{term.datatype}>'
    return f'"{escaped}"'


def to_csv(answer: Solutions | Boolean) -> bytes:
    """SPARQL 1.1 Query Results CSV (UTF-8, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if isinstance(answer, Boolean):
        writer.writerows([[ASK_COLUMN], [str(answer.value).lower()]])
    else:
        writer.writerow(answer.variables)
        for row in answer.rows:
            writer.writerow([csv_value(row.get(name)) for name in answer.variables])
    return out.getvalue().encode("utf-8")


def to_tsv(answer: Solutions | Boolean) -> bytes:
    """SPARQL 1.1 Query Results TSV (UTF-8): ``?name`` headers, Turtle-syntax terms."""
    if isinstance(answer, Boolean):
        lines = [f"?{ASK_COLUMN}", str(answer.value).lower()]
    else:
        lines = ["\t".join(f"?{name}" for name in answer.variables)]
        lines += ["\t".join(tsv_value(row.get(name)) for name in answer.variables)
                  for row in answer.rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


# -- graphs ----------------------------------------------------------------------------------


def to_graph(answer: Triples) -> Graph:
    """The triples of a CONSTRUCT or DESCRIBE answer as an rdflib Graph with our prefixes."""
    graph = Graph(bind_namespaces="none")
    for triple in answer.triples:
        graph.add(triple)
    bind_prefixes(graph)
    return graph


def graph_bytes(answer: Triples, name: str) -> bytes:
    """The graph in rdflib format ``RDFLIB_FORMATS[name]`` (UTF-8). Raises CannotSerialise
    when the writer refuses it (RDF/XML cannot spell a predicate ending in ``/`` or ``#``)."""
    return serialise_graph(to_graph(answer), name)


def serialise_graph(graph: Graph, name: str) -> bytes:
    """``graph`` in our format ``name`` (turtle, jsonld, rdfxml, ntriples), UTF-8, written as
    record pages and exports write it (:func:`repository.export.serialize_rdf`). Raises
    CannotSerialise when the writer refuses it."""
    try:
        return serialize_rdf(graph, name)
    except InputError as error:
        raise CannotSerialise(f"the answer cannot be written as {name}: {error}") from error


TABLE_WRITERS: dict[str, Callable[[Solutions | Boolean], bytes]] = {
    "json": to_json, "xml": to_xml, "csv": to_csv, "tsv": to_tsv,
}


def serialise(answer: Solutions | Boolean | Triples, fmt: Format) -> bytes:
    """``answer`` in ``fmt`` (any but html, which the endpoint renders). Raises CannotSerialise
    as the writers do."""
    if isinstance(answer, Triples):
        return graph_bytes(answer, fmt.name)
    return TABLE_WRITERS[fmt.name](answer)
