"""Exports: one published record (or the whole public area) in each outgoing format."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from lxml import etree
from rdflib import Graph, URIRef

from vocab.namespaces import FOAF

from .core import Repository
from .errors import InputError
from .records import Record, with_catalogue


@dataclass(frozen=True)
class Format:
    """An export format: its name, media type, file extension and writer."""

    name: str
    media_type: str
    extension: str
    write: Callable[[Graph, URIRef], bytes]


def _olac(graph: Graph, subject: URIRef) -> bytes:
    from .crosswalks.olac import olac_bytes

    return olac_bytes(graph, subject)


def _oai_dc(graph: Graph, subject: URIRef) -> bytes:
    from .crosswalks.oai_dc import graph_to_oaidc

    return etree.tostring(graph_to_oaidc(graph, subject), xml_declaration=True,
                          encoding="UTF-8", pretty_print=True)


def _dcat(fmt: str) -> Callable[[Graph, URIRef], bytes]:
    def write(graph: Graph, subject: URIRef) -> bytes:
        from .crosswalks.dcat import serialize_dcat

        return serialize_dcat(graph, subject, fmt)

    return write


def _croissant(graph: Graph, subject: URIRef) -> bytes:
    from .crosswalks.croissant import croissant_bytes

    return croissant_bytes(graph, subject)


def _nquads(graph: Graph, subject: URIRef) -> bytes:
    """The record's quads, sorted (a graph's iteration order is not stable across runs)."""
    name = URIRef(str(subject).replace("/id/", "/graph/", 1)).n3()
    return "".join(sorted(f"{s.n3()} {p.n3()} {o.n3()} {name} .\n"
                          for s, p, o in graph)).encode()


def _manifest(graph: Graph, subject: URIRef) -> bytes:
    """The training manifest of one record (:mod:`repository.files.manifest`)."""
    from .files.manifest import manifest, record_entry

    local_id = str(subject).rsplit("/id/", 1)[-1]
    page = graph.value(predicate=FOAF.primaryTopic, object=subject)
    entry = record_entry(graph, subject, local_id, str(page or subject))
    return _json(manifest([entry], selection=f"record {local_id}"))


def _notice(graph: Graph, subject: URIRef) -> bytes:
    """The NOTICE file of one record (:func:`repository.files.manifest.notice`)."""
    from .files.manifest import notice

    return notice(json.loads(_manifest(graph, subject))).encode("utf-8")


def _json(value) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("olac", "application/xml", "xml", _olac),
        Format("oai_dc", "application/xml", "xml", _oai_dc),
        Format("dcat-ttl", "text/turtle", "ttl", _dcat("turtle")),
        Format("dcat-jsonld", "application/ld+json", "jsonld", _dcat("json-ld")),
        Format("dcat-rdfxml", "application/rdf+xml", "rdf", _dcat("xml")),
        Format("croissant", "application/ld+json", "json", _croissant),
        Format("nquads", "application/n-quads", "nq", _nquads),
        Format("manifest", "application/json", "json", _manifest),
        Format("notice", "text/plain", "txt", _notice),
    )
}


def get_format(name: str) -> Format:
    """The export format called ``name``; raises InputError listing the known ones."""
    try:
        return FORMATS[name]
    except KeyError:
        raise InputError(f"unknown format {name!r}; expected one of {', '.join(FORMATS)}",
                         field="format") from None


def export_record(repository: Repository, record: Record, fmt: str) -> bytes:
    """``record`` (as stored) in format ``fmt``. Raises InputError for an unknown format."""
    writer = get_format(fmt)
    full = with_catalogue(record, repository.ids)
    return writer.write(full, repository.ids.resource(record.id))


def write_public(repository: Repository, fmt: str, out: BinaryIO, *,
                 base_url: str | None = None) -> None:
    """Every published record in ``fmt`` onto ``out``: ``olac`` as an OLAC static repository
    whose baseURL is ``base_url`` (:mod:`repository.static_repository`, streamed from the
    dissemination index), ``nquads`` record by record, ``dcat-*`` as one DCAT catalogue.

    Raises InputError for the formats that describe one record each (oai_dc, Croissant: use
    --id), for a ``base_url`` that is not an http(s) URL and, for ``olac``, when nothing is
    published; StoreError when the store or the index cannot be read.
    """
    from .static_repository import default_base_url, write_static_repository

    get_format(fmt)
    if fmt == "olac":
        write_static_repository(repository, out, base_url or default_base_url(repository.config))
    elif fmt == "nquads":
        for record in repository.published():
            out.write(export_record(repository, record, fmt))
    elif fmt.startswith("dcat-"):
        out.write(_catalogue(repository, list(repository.published()), fmt))
    elif fmt == "manifest":
        _write_manifest(repository, out)
    elif fmt == "notice":
        _write_notice(repository, out)
    else:
        raise InputError(f"format {fmt} describes one record: give --id (the whole catalogue "
                         "is exported as olac, nquads or dcat-*)", field="id")


def _entries(repository: Repository) -> Iterator[tuple[dict | None, dict | None]]:
    """The training-manifest entry of each published record, (included, excluded)."""
    from .files.manifest import record_entry

    for record in repository.published():
        yield record_entry(with_catalogue(record, repository.ids),
                           repository.ids.resource(record.id), record.id,
                           str(repository.ids.catalogue_record(record.id)))


def _write_manifest(repository: Repository, out: BinaryIO) -> None:
    """The training manifest of every published record, written record by record (the
    included ones as they come; the excluded ones, smaller, gathered for the end)."""
    from .files.manifest import MANIFEST_VERSION, add_totals
    from .files.text import TOKENIZER

    def field(name: str, value) -> bytes:
        return f"{json.dumps(name)}: {json.dumps(value, ensure_ascii=False)}".encode()

    out.write(b"{" + b", ".join((field("manifestVersion", MANIFEST_VERSION),
                                 field("selection", "every published record"),
                                 field("tokenizer", TOKENIZER))) + b', "records": [\n')
    excluded, totals, first = [], add_totals(None, []), True
    for entry, left_out in _entries(repository):
        if left_out is not None:
            excluded.append(left_out)
            continue
        out.write((b"" if first else b",\n") + json.dumps(entry, ensure_ascii=False).encode())
        first = False
        totals = add_totals(totals, entry["files"])
    out.write(b"\n], " + field("excluded", excluded) + b", " + field("totals", totals) + b"}\n")


def _write_notice(repository: Repository, out: BinaryIO) -> None:
    """The NOTICE file of every published record (the credit lines of those a training
    manifest includes)."""
    from .files.manifest import notice

    included = [{key: entry[key] for key in
                 ("attribution", "licence", "markOutputsAsAIGenerated")}
                for entry, _ in _entries(repository) if entry is not None]
    out.write(notice({"selection": "every published record", "records": included})
              .encode("utf-8"))


def _catalogue(repository: Repository, records: list[Record], fmt: str) -> bytes:
    from .crosswalks.dcat import catalogue, serialize_graph, to_dcat

    graphs = []
    for record in records:
        full = with_catalogue(record, repository.ids)
        graphs.append(to_dcat(full, repository.ids.resource(record.id)))
    merged = catalogue(graphs, repository.config.base_uri)
    for graph in graphs:
        merged += graph
    return serialize_graph(merged, {"dcat-ttl": "turtle", "dcat-jsonld": "json-ld",
                                    "dcat-rdfxml": "xml"}[fmt])


# -- record pages: the public graph of one record in an RDF syntax ---------------------------


@dataclass(frozen=True)
class RdfSyntax:
    """An RDF syntax a record page is served in: short name, media type and extension."""

    name: str
    media_type: str
    extension: str


RDF_SYNTAXES: dict[str, RdfSyntax] = {
    s.name: s
    for s in (
        RdfSyntax("turtle", "text/turtle", "ttl"),
        RdfSyntax("jsonld", "application/ld+json", "jsonld"),
        RdfSyntax("rdfxml", "application/rdf+xml", "rdf"),
        RdfSyntax("ntriples", "application/n-triples", "nt"),
    )
}


def public_graph(repository: Repository, local_id: str) -> Graph:
    """The named graph of ``local_id`` as the public area holds it: the published description
    with its catalogue record, or a tombstone (see :func:`repository.records.is_tombstone`).

    Raises InputError for a malformed id and NotFound when the public area has no such record
    (drafts and records under review are not there).
    """
    from .errors import NotFound
    from .records import check_local_id

    check_local_id(local_id)
    stored = repository.public.graph(repository.ids.graph(local_id))
    if not len(stored):
        raise NotFound(f"no public record {local_id}")
    return stored


def serialize_rdf(graph: Graph, syntax: str) -> bytes:
    """``graph`` in ``syntax`` (a key of :data:`RDF_SYNTAXES`) as UTF-8, with our prefixes.

    Raises InputError for an unknown syntax, or (RDF/XML) a predicate that cannot be written
    as an XML element name or text XML cannot carry.
    """
    from vocab.namespaces import PREFIXES

    from .crosswalks.dcat import serialize_graph
    from .crosswalks.rdfxml import rdfxml_bytes

    if syntax not in RDF_SYNTAXES:
        raise InputError(f"unknown RDF syntax {syntax!r}; expected one of "
                         f"{', '.join(RDF_SYNTAXES)}", field="format")
    if syntax == "rdfxml":
        return rdfxml_bytes(graph, PREFIXES)
    if syntax == "ntriples":
        return graph.serialize(format="nt", encoding="utf-8")
    return serialize_graph(graph, {"turtle": "turtle", "jsonld": "json-ld"}[syntax])
