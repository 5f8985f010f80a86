"""Every public record rendered for dissemination: its metadata in each OAI-PMH format, its
provenance ``<about>`` block and its sets (what :mod:`repository.disseminations` stores).

Rendering runs on every public write, so it works on a :class:`~repository.triples.TripleIndex`
of the record (description plus catalogue record) rather than on rdflib graphs, builds the
OLAC element once and derives oai_dc from it (OLAC's dumb-down), and writes DCAT-AP with the
small RDF/XML writer. Each fragment is serialised on its own, so its root keeps its namespace
declarations and ``xsi:schemaLocation`` (OAI-PMH §3.4) whatever document it is spliced into.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from rdflib import Literal, URIRef

from vocab.namespaces import DCAT, DCT

from .crosswalks.dcat import RDF_NAMESPACE, RDF_SCHEMA, dcat_fragment
from .crosswalks.oai_dc import OAI_DC_NS, olac_to_oaidc
from .crosswalks.olac import OLAC_NS, graph_to_olac
from .disseminations import Dissemination
from .errors import InputError
from .oai_sets import OaiSet
from .provenance import provenance_fragment
from .records import Identifiers, Record, catalogue_triples, utc_text
from .triples import Triple, TripleIndex


@dataclass(frozen=True)
class MetadataFormat:
    """A format the provider disseminates: prefix, XML schema and root namespace."""

    prefix: str
    schema: str
    namespace: str


METADATA_FORMATS = (
    MetadataFormat("olac", f"{OLAC_NS}olac.xsd", OLAC_NS),
    MetadataFormat("oai_dc", "http://www.openarchives.org/OAI/2.0/oai_dc.xsd", OAI_DC_NS),
    MetadataFormat("dcat", RDF_SCHEMA, RDF_NAMESPACE),
)


def render(record: Record, ids: Identifiers, stored: Iterable[Triple] | None = None, *,
           catalogue: Iterable[Triple] | None = None) -> Dissemination:
    """The dissemination row of the public revision ``record`` (it must carry its datestamp).

    ``stored`` is the record's named graph as the public area holds it (when rebuilding the
    index); by default it is the description plus the catalogue triples, as written
    (``catalogue``: those triples when the caller has them already).
    Raises InputError naming the record when a crosswalk cannot write it.
    """
    from .oai_sets import record_sets
    from .quality import olac_quality
    from .search.facets import record_facets, record_names

    subject = ids.resource(record.id)
    if stored is not None:
        graph = TripleIndex(stored)
    else:
        graph = _description_index(record.graph)
        for triple in catalogue if catalogue is not None else catalogue_triples(record, ids):
            graph.add(triple)
    try:
        olac = graph_to_olac(graph, subject)
        metadata = {
            "olac": etree.tostring(olac, encoding="UTF-8"),
            "oai_dc": etree.tostring(olac_to_oaidc(olac), encoding="UTF-8"),
            "dcat": dcat_fragment(graph, subject),
        }
    except InputError as error:
        raise InputError(f"cannot render for OAI-PMH: {error.reason}", record=record.id) \
            from error
    sets = record_sets(graph, subject, record.id, ids.base)
    return Dissemination(
        local_id=record.id, datestamp=oai_datestamp(record.datestamp), metadata=metadata,
        about=provenance_fragment(record.source, record.issued),
        sets=tuple(sets),
        text=searchable_text(graph, subject),
        facets=record_facets(graph, subject, (s.spec for s in sets), olac_quality(olac)),
        descriptions=descriptions(graph, subject),
        names=record_names(graph, subject),
    )


#: What the text index reads of a description besides its titles (literals only).
TEXT_PROPERTIES = (DCT.alternative, DCT.description, DCT.abstract, DCAT.keyword, DCT.subject)


def searchable_text(graph: TripleIndex, subject: URIRef) -> tuple[tuple[str, ...],
                                                                   tuple[str, ...]]:
    """The titles of ``subject`` and its other searchable texts, for the text index."""
    titles = tuple(str(o) for o in graph.objects(subject, DCT.title) if isinstance(o, Literal))
    texts = tuple(str(o) for p in TEXT_PROPERTIES for o in graph.objects(subject, p)
                  if isinstance(o, Literal))
    return titles, texts


def descriptions(graph: TripleIndex, subject: URIRef) -> tuple[str, ...]:
    """The descriptions of ``subject``, Chinese ones first, then by text (one order whatever
    the store's)."""
    found = [o for o in graph.objects(subject, DCT.description) if isinstance(o, Literal)]
    chinese_first = sorted(found, key=lambda o: (not (o.language or "").startswith("zh"), o))
    return tuple(map(str, chinese_first))


def _description_index(description: Iterable[Triple]) -> TripleIndex:
    """A new index of ``description`` (a copy when it is an index already: cheaper)."""
    if isinstance(description, TripleIndex):
        return description.copy()
    return TripleIndex(description)


def render_tombstone(local_id: str, datestamp: datetime | None,
                     set_specs: tuple[str, ...] = ()) -> Dissemination:
    """The row of a withdrawn or deleted record: a deleted header, no metadata."""
    return Dissemination(local_id=local_id, datestamp=oai_datestamp(datestamp), deleted=True,
                         sets=tuple(OaiSet(spec) for spec in set_specs))


def oai_datestamp(moment: datetime | None) -> str:
    """An OAI-PMH datestamp at second granularity; raises InputError when there is none."""
    if moment is None:
        raise InputError("a public record needs a datestamp", field="datestamp")
    return utc_text(moment)
