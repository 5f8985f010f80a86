"""A schema.org ``Dataset`` in JSON-LD for one record, to embed in its HTML page.

Search engines (Google Dataset Search among them) read a ``<script type="application/ld+json">``
block in a landing page. The context is inline (``{"@vocab": "http://schema.org/"}``, the
vocabulary the published schema.org context maps terms to), so the block parses offline.
Language-tagged literals keep their BCP 47 tags as ``{"@value", "@language"}`` objects.
"""

from __future__ import annotations

import json
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository.crosswalks.croissant import content_languages, first_literal, licence_urls
from vocab.namespaces import DCAT, DCT, FOAF, RDF_, SCHEMA

CONTEXT = {"@vocab": SCHEMA.base}
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"


def to_schemaorg(graph: Graph, subject: URIRef, page: str,
                 catalogue: dict[str, str] | None = None) -> dict[str, Any]:
    """The schema.org Dataset describing ``subject``, whose landing page is ``page``.

    ``catalogue`` (``name`` and ``url``) becomes ``includedInDataCatalog``. Properties without a
    value are left out. Raises nothing: an unreadable value is skipped.
    """
    document: dict[str, Any] = {"@context": CONTEXT, "@type": "Dataset", "@id": str(subject),
                                "url": page}
    fields = {
        "name": _texts(graph, subject, DCT.title),
        "description": _texts(graph, subject, DCT.description),
        "identifier": _identifiers(graph, subject),
        "license": licence_urls(graph, subject),
        "inLanguage": content_languages(graph, subject),
        "keywords": _texts(graph, subject, DCAT.keyword),
        "creator": _agents(graph, subject, DCT.creator),
        "contributor": _agents(graph, subject, DCT.contributor),
        "publisher": _agents(graph, subject, DCT.publisher),
        "datePublished": first_literal(graph, subject, DCT.issued, DCT.created, DCT.date),
        "dateModified": first_literal(graph, subject, DCT.modified),
        "temporalCoverage": _period(graph, subject),
        "citation": _texts(graph, subject, DCT.bibliographicCitation),
        "distribution": _downloads(graph, subject),
    }
    document.update({key: value for key, value in fields.items() if value})
    if catalogue:
        document["includedInDataCatalog"] = {"@type": "DataCatalog", **catalogue}
    return document


def script_text(document: dict[str, Any]) -> str:
    """``document`` as JSON safe inside an HTML ``<script>`` element (``<``, ``>`` and ``&``
    escaped as JSON unicode escapes, so no text can close the element)."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(literal: Literal) -> dict[str, str] | str:
    if literal.language:
        return {"@value": str(literal), "@language": literal.language}
    return str(literal)


def _texts(graph: Graph, node: Node, prop: URIRef) -> list[dict[str, str] | str]:
    return [_text(value) for value in sorted(graph.objects(node, prop))
            if isinstance(value, Literal)]


def _identifiers(graph: Graph, subject: URIRef) -> list[str]:
    return sorted(str(value) for value in graph.objects(subject, DCT.identifier))


def _agents(graph: Graph, subject: URIRef, prop: URIRef) -> list[dict[str, Any]]:
    agents = []
    for agent in sorted(graph.objects(subject, prop)):
        names = _texts(graph, agent, FOAF.name)
        if not names:
            continue
        entry: dict[str, Any] = {"name": names}
        for kind, schema_type in ((FOAF.Person, "Person"), (FOAF.Organization, "Organization")):
            if (agent, RDF_.type, kind) in graph:
                entry["@type"] = schema_type
        if isinstance(agent, URIRef):
            entry["@id"] = str(agent)
        agents.append(entry)
    return agents


def _period(graph: Graph, subject: URIRef) -> str | None:
    """``start/end`` (ISO 8601 interval) of the first dct:temporal period with a start."""
    for period in sorted(graph.objects(subject, DCT.temporal)):
        start, end = graph.value(period, DCAT.startDate), graph.value(period, DCAT.endDate)
        if start is not None:
            return f"{start}/{end if end is not None else '..'}"
    return None


def _downloads(graph: Graph, subject: URIRef) -> list[dict[str, Any]]:
    downloads = []
    for dist in sorted(graph.objects(subject, DCAT.distribution)):
        url = graph.value(dist, DCAT.downloadURL) or graph.value(dist, DCAT.accessURL)
        if url is None:
            continue
        entry: dict[str, Any] = {"@type": "DataDownload", "contentUrl": str(url)}
        title = graph.value(dist, DCT.title)
        media = graph.value(dist, DCAT.mediaType) or graph.value(dist, DCT.format)
        size = graph.value(dist, DCAT.byteSize)
        if title is not None:
            entry["name"] = str(title)
        if isinstance(media, URIRef) and str(media).startswith(IANA_MEDIA_TYPES):
            entry["encodingFormat"] = str(media).removeprefix(IANA_MEDIA_TYPES)
        if size is not None:
            entry["contentSize"] = f"{size} B"
        downloads.append(entry)
    return downloads
