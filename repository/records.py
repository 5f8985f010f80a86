"""Records: what one catalogue entry is, its identifiers, and its catalogue-record triples.

A :class:`Record` is the description of one resource (an rdflib Graph about ``{base}id/{id}``)
plus the admin facts kept on its ``dcat:CatalogRecord``. This module turns one into the other
and back; it does no I/O.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.namespaces import DCAT, DCT, DQV, FOAF, PROV, RDF_, XSD, YL, concept

from .errors import InputError
from .store import bcp47_case

Triple = tuple[Node, Node, Node]

STATES = (
    "draft", "pending-agency-review", "pending-platform-review", "published", "in-revision",
    "takedown-pending-agency", "takedown-pending-platform", "withdrawn",
)
#: States of a published record whose takedown is being reviewed: still public (BRIEF §4).
TAKEDOWN_UNDER_REVIEW = ("takedown-pending-agency", "takedown-pending-platform")
#: States in which the public area holds the record's work revision (as published).
PUBLIC_STATES = ("published", *TAKEDOWN_UNDER_REVIEW)
LOCAL_ID = re.compile(r"[0-9]{8}|[A-Za-z0-9.\-]+:[A-Za-z0-9\-_.~!*'()%]+")
_UNRESERVED = "-_.~!*'()"


@dataclass(frozen=True)
class Source:
    """Where an imported or harvested record came from.

    ``base_url``, ``metadata_namespace`` and ``harvest_date`` (the source's responseDate) are
    what OAI-PMH provenance needs to re-expose the record (``<about><provenance>``); they are
    known for records read from OAI-PMH responses and static repositories.
    """

    identifier: str
    datestamp: str | None = None
    format: str | None = None
    activity: URIRef | None = None
    base_url: str | None = None
    metadata_namespace: str | None = None
    harvest_date: str | None = None
    #: the ``originDescription`` the source gave the record (it had harvested it from
    #: elsewhere), as XML text: nested in ours when we re-expose it
    prior_origin: str | None = None


@dataclass(frozen=True)
class Record:
    """One catalogue entry: the description of a resource and its admin facts."""

    id: str
    graph: Graph
    state: str = "draft"
    datestamp: datetime | None = None
    issued: datetime | None = None
    revision: int = 0
    source: Source | None = None
    raw: bytes | None = None
    content_hash: str | None = field(default=None, compare=False)
    #: the OLAC quality score (0–10) measured on this description when it was published (a
    #: DQV measurement on the catalogue record); None when not measured. A copy with another
    #: graph (``with_(graph=…)``) is unmeasured.
    quality: float | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        check_local_id(self.id)
        if self.state not in STATES:
            raise InputError(f"unknown state {self.state!r}; expected one of {', '.join(STATES)}",
                             record=self.id, field="state")

    def with_(self, **changes) -> Record:
        """A copy with ``changes`` applied (a new graph drops the quality measured on the
        old one)."""
        if "graph" in changes and "quality" not in changes:
            changes["quality"] = None
        return replace(self, **changes)

    @property
    def is_public(self) -> bool:
        return self.state == "published"


class Identifiers:
    """The IRIs and identifiers of records under one base URI and OAI repository identifier."""

    def __init__(self, base_uri: str, oai_repository_id: str) -> None:
        self.base, self.oai_id = base_uri, oai_repository_id

    def resource(self, local_id: str) -> URIRef:
        return URIRef(f"{self.base}id/{local_id}")

    def catalogue_record(self, local_id: str) -> URIRef:
        return URIRef(f"{self.base}record/{local_id}")

    def graph(self, local_id: str) -> URIRef:
        return URIRef(f"{self.base}graph/{local_id}")

    def quality_measurement(self, local_id: str) -> URIRef:
        """The DQV measurement of the published description's OLAC quality score."""
        return URIRef(f"{self.base}record/{local_id}#quality")

    def raw_graph(self, local_id: str) -> URIRef:
        return URIRef(f"{self.base}graph/{local_id}/raw")

    @property
    def description(self) -> URIRef:
        """The VoID description of the public area, and the graph its stored copy is in."""
        return URIRef(f"{self.base}.well-known/void")

    def links_graph(self, local_id: str) -> URIRef:
        """Where the record's ``prov:alternateOf`` links to the same dataset elsewhere live."""
        return URIRef(f"{self.base}graph/{local_id}/links")

    def oai(self, local_id: str) -> str:
        return f"oai:{self.oai_id}:{local_id}"

    def local_id_of(self, iri: str) -> str | None:
        """The local id of a resource IRI ``{base}id/{id}``, or None."""
        prefix = f"{self.base}id/"
        if not iri.startswith(prefix):
            return None
        return iri[len(prefix):].split("#", 1)[0]

    def from_oai(self, oai_identifier: str) -> str | None:
        """The local id in one of our OAI identifiers, or None when it is not ours."""
        prefix = f"oai:{self.oai_id}:"
        return oai_identifier[len(prefix):] if oai_identifier.startswith(prefix) else None


def check_local_id(local_id: str) -> str:
    """``local_id`` when it is an 8-digit id or ``{source}:{local}``; raises InputError if not."""
    if not LOCAL_ID.fullmatch(local_id):
        raise InputError(
            f"{local_id!r} is not a local id: expected 8 digits or '{{source}}:{{local}}'",
            field="id",
        )
    return local_id


def local_id_for_source(identifier: str, default_source: str | None = None) -> str:
    """The local id of a record imported under ``identifier``.

    ``oai:paradisec.org.au:AC1-013`` gives ``paradisec.org.au:AC1-013``; any other identifier
    needs ``default_source`` (a domain) and gives ``{default_source}:{identifier}``. Characters
    outside the unreserved set are percent-encoded. Raises InputError when no source is known.
    """
    match = re.fullmatch(r"oai:([A-Za-z][A-Za-z0-9\-]*(?:\.[A-Za-z][A-Za-z0-9\-]*)+):(.+)",
                         identifier.strip())
    if match:
        source, local = match.groups()
    elif default_source:
        source, local = default_source, identifier.strip()
    else:
        raise InputError(f"cannot derive a local id from {identifier!r}: not an OAI identifier",
                         record=identifier, field="identifier")
    return f"{source}:{quote(local, safe=_UNRESERVED)}"


def canonical_local_id(requested: str) -> str:
    """The local id named by ``requested``, a path segment as a server hands it over (its
    percent-encoding decoded: ``src:10125/1234`` for ``src:10125%2F1234``): the local part
    encoded again as :func:`local_id_for_source` encodes it. An 8-digit id, or anything
    without a source, comes back as it is (it may still fail :func:`check_local_id`)."""
    source, colon, local = requested.partition(":")
    if not colon:
        return requested
    return f"{source}:{quote(local, safe=_UNRESERVED)}"


def now_utc() -> datetime:
    """The current UTC time at second granularity."""
    return datetime.now(UTC).replace(microsecond=0)


def next_datestamp(previous: datetime | None, now: datetime | None = None) -> datetime:
    """A datestamp later than ``previous`` (OAI-PMH needs it to change on every public change)."""
    stamp = now or now_utc()
    if previous is not None and stamp <= previous:
        stamp = previous + timedelta(seconds=1)
    return stamp


def normalise_languages(graph: Graph) -> Graph:
    """``graph`` with every language tag in BCP 47 case (``zh-hant-tw`` → ``zh-Hant-TW``).

    The store lower-cases tags; writing them in one canonical case keeps graphs comparable.
    Returns ``graph`` itself when nothing needs changing.
    """
    changes = [
        (s, p, o) for s, p, o in graph
        if isinstance(o, Literal) and o.language and o.language != bcp47_case(o.language)
    ]
    for s, p, o in changes:
        graph.remove((s, p, o))
        graph.add((s, p, Literal(str(o), lang=bcp47_case(o.language))))
    return graph


def restore_byte_sizes(graph: Graph) -> Graph:
    """``graph`` with every ``dcat:byteSize`` typed ``xsd:nonNegativeInteger`` again, as
    written: Oxigraph (0.5) stores every datatype derived from xsd:integer as xsd:integer, so
    a record read back from the store would fail DatasetShape's ``sh:datatype`` (DCAT-AP 3's
    range). Returns ``graph`` itself, changed in place."""
    found = [(s, o) for s, o in graph.subject_objects(DCAT.byteSize)
             if isinstance(o, Literal) and o.datatype == XSD.integer]
    for s, o in found:
        graph.remove((s, DCAT.byteSize, o))
        graph.add((s, DCAT.byteSize, Literal(str(o), datatype=XSD.nonNegativeInteger)))
    return graph


def statements(triples: Iterable[Triple]) -> list[str]:
    """The sorted statements of ``triples``, each exactly as :func:`statement` writes it (IRIs'
    N3 forms come from a cache: records repeat the same predicates and classes)."""
    return sorted(f"{_n3(s)} {_n3(p)} {_object_n3(o)}" for s, p, o in triples)


_IRI_N3: dict[URIRef, str] = {}
_IRI_N3_LIMIT = 50_000


def _n3(term: Node) -> str:
    """``term.n3()``, cached for IRIs (raises as ``n3`` does for an IRI it cannot write)."""
    if type(term) is not URIRef:
        return term.n3()
    text = _IRI_N3.get(term)
    if text is None:
        text = term.n3()
        if len(_IRI_N3) >= _IRI_N3_LIMIT:
            _IRI_N3.clear()
        _IRI_N3[term] = text
    return text


def _object_n3(term: Node) -> str:
    """The object as :func:`statement` writes it: a language tag in BCP 47 case."""
    if isinstance(term, Literal):
        if term.language and term.language != bcp47_case(term.language):
            term = Literal(str(term), lang=bcp47_case(term.language))
        return term.n3()
    return _n3(term)


def content_hash(graph: Iterable[Triple]) -> str:
    """SHA-256 of the sorted statements of ``graph`` (stable for graphs without blank nodes)."""
    return statements_hash(statements(graph))


def statements_hash(lines: list[str]) -> str:
    """SHA-256 of statements already sorted by :func:`statements`."""
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@lru_cache(maxsize=256)  # a batch shares a few datestamps
def utc_text(moment: datetime) -> str:
    """``moment`` as UTC at second granularity: ``2026-11-22T02:05:00Z`` (the form of OAI-PMH
    datestamps and of every xsd:dateTime we write)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=256)
def utc_literal(moment: datetime) -> Literal:
    """:func:`utc_text` as an xsd:dateTime literal, kept in that lexical form."""
    return Literal(utc_text(moment), datatype=XSD.dateTime, normalize=False)


def _identity(record: Record, ids: Identifiers, kind: URIRef, state: str) -> list[Triple]:
    """What every catalogue record and tombstone says: type, topic, ids, state, datestamp."""
    node = ids.catalogue_record(record.id)
    triples = [
        (node, RDF_.type, DCAT.CatalogRecord),
        (node, RDF_.type, kind),
        (node, FOAF.primaryTopic, ids.resource(record.id)),
        (node, YL.localId, Literal(record.id)),
        (node, YL.oaiIdentifier, Literal(ids.oai(record.id))),
        (node, YL.state, concept("record-state", state)),
    ]
    if record.datestamp:
        triples.append((node, YL.datestamp, utc_literal(record.datestamp)))
    return triples


def catalogue_triples(record: Record, ids: Identifiers) -> list[Triple]:
    """The ``dcat:CatalogRecord`` triples of ``record`` (admin facts, no raw payload)."""
    node = ids.catalogue_record(record.id)
    triples = _identity(record, ids, YL.Record, record.state)
    triples.append((node, YL.revision, Literal(record.revision)))
    triples.append((node, YL.contentHash,
                    Literal(record.content_hash or content_hash(record.graph))))
    if record.datestamp:
        triples.append((node, DCT.modified, utc_literal(record.datestamp)))
    if record.issued:
        triples.append((node, DCT.issued, utc_literal(record.issued)))
    if record.source:
        triples.extend(_source_triples(node, record.source))
    if record.is_public and record.quality is not None:
        triples.extend(quality_triples(record, ids))
    return triples


def decimal_text(value: float) -> str:
    """``value`` to two places in the canonical xsd:decimal form of XSD 1.1, as Oxigraph
    keeps it ("7.5", "9", "6.83")."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def quality_triples(record: Record, ids: Identifiers) -> list[Triple]:
    """The DQV measurement of ``record``'s quality score, computed on its catalogue record
    when the revision was published (BRIEF §3): the score as an xsd:decimal (two places),
    generated at the record's datestamp."""
    node, measurement = ids.catalogue_record(record.id), ids.quality_measurement(record.id)
    triples: list[Triple] = [
        (node, DQV.hasQualityMeasurement, measurement),
        (measurement, RDF_.type, DQV.QualityMeasurement),
        (measurement, DQV.isMeasurementOf, YL.qualityScore),
        (measurement, DQV.computedOn, node),
        (measurement, DQV.value, Literal(decimal_text(record.quality), datatype=XSD.decimal)),
    ]
    if record.datestamp:
        triples.append((measurement, PROV.generatedAtTime, utc_literal(record.datestamp)))
    return triples


def with_catalogue(record: Record, ids: Identifiers) -> Graph:
    """A new graph: the description of ``record`` and its catalogue-record triples."""
    full = Graph(bind_namespaces="none")
    for triple in record.graph:
        full.add(triple)
    for triple in catalogue_triples(record, ids):
        full.add(triple)
    return full


def _source_triples(node: URIRef, source: Source) -> list[Triple]:
    triples: list[Triple] = [(node, YL.sourceIdentifier, Literal(source.identifier))]
    if re.match(r"^[a-z][a-z0-9+.\-]*:\S+$", source.identifier):
        triples.append((node, PROV.wasDerivedFrom, URIRef(source.identifier)))
    if source.datestamp:
        triples.append((node, YL.sourceDatestamp, Literal(source.datestamp)))
    if source.format:
        triples.append((node, YL.sourceFormat, Literal(source.format)))
    if source.activity:
        triples.append((node, PROV.wasGeneratedBy, source.activity))
    for predicate, value in ((YL.sourceBaseURL, source.base_url),
                             (YL.sourceMetadataNamespace, source.metadata_namespace),
                             (YL.harvestDate, source.harvest_date),
                             (YL.priorOrigin, source.prior_origin)):
        if value:
            triples.append((node, predicate, Literal(value)))
    return triples


def tombstone_triples(record: Record, ids: Identifiers,
                      set_specs: Iterable[str] = ()) -> list[Triple]:
    """What stays public of a withdrawn or deleted record: its identity, datestamp and the OAI
    sets it was in (so that set-based harvests learn of the deletion)."""
    triples = _identity(record, ids, YL.Tombstone, "withdrawn")
    node = ids.catalogue_record(record.id)
    triples.extend((node, YL.setSpec, Literal(spec)) for spec in sorted(set(set_specs)))
    return triples


def tombstone_set_specs(stored: Graph, local_id: str, ids: Identifiers) -> list[str]:
    """The set specs a stored tombstone keeps, sorted."""
    return sorted(str(o) for o in stored.objects(ids.catalogue_record(local_id), YL.setSpec))


def split_record_graph(local_id: str, stored: Graph, ids: Identifiers) -> Record:
    """The Record held in a stored named graph (description + catalogue-record triples)."""
    node, measurement = ids.catalogue_record(local_id), ids.quality_measurement(local_id)
    description = Graph()
    for triple in stored:
        if triple[0] != node and triple[0] != measurement:
            description.add(triple)
    admin = {p: o for p, o in stored.predicate_objects(node)}
    score = stored.value(measurement, DQV.value)
    return Record(
        id=local_id,
        graph=description,
        state=str(admin.get(YL.state, concept("record-state", "draft"))).rsplit("/", 1)[-1],
        datestamp=parse_datestamp(admin.get(YL.datestamp)),
        issued=parse_datestamp(admin.get(DCT.issued)),
        revision=int(admin.get(YL.revision, 0)),
        source=_source(admin),
        content_hash=str(admin[YL.contentHash]) if YL.contentHash in admin else None,
        quality=float(score) if score is not None else None,
    )


def is_tombstone(stored: Graph, local_id: str, ids: Identifiers) -> bool:
    """True when the stored graph is a tombstone."""
    return (ids.catalogue_record(local_id), RDF_.type, YL.Tombstone) in stored


def parse_datestamp(value) -> datetime | None:
    if value is None:
        return None
    parsed = value.toPython() if isinstance(value, Literal) else value
    if not isinstance(parsed, datetime):
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed.astimezone(UTC)


def _source(admin: dict) -> Source | None:
    if YL.sourceIdentifier not in admin:
        return None
    return Source(
        identifier=str(admin[YL.sourceIdentifier]),
        datestamp=str(admin[YL.sourceDatestamp]) if YL.sourceDatestamp in admin else None,
        format=str(admin[YL.sourceFormat]) if YL.sourceFormat in admin else None,
        activity=admin.get(PROV.wasGeneratedBy),
        base_url=_optional_text(admin, YL.sourceBaseURL),
        metadata_namespace=_optional_text(admin, YL.sourceMetadataNamespace),
        harvest_date=_optional_text(admin, YL.harvestDate),
        prior_origin=_optional_text(admin, YL.priorOrigin),
    )


def _optional_text(admin: dict, predicate: URIRef) -> str | None:
    return str(admin[predicate]) if predicate in admin else None
