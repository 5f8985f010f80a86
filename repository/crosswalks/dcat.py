"""DCAT-AP 3.0.1 export of a record's named graph, and the DCAT catalogue of many records.

The canonical model (docs/data-model.md) is already DCAT-shaped; this crosswalk removes our own
admin terms (``yl:``), maps our tags to ``dct:type``/``dcat:theme``, turns literals DCAT-AP wants as
nodes (rights, provenance, frequency, places) into typed nodes, types every object the DCAT-AP
range shapes check with ``sh:class`` (they run without inference), converts W3CDTF dates to XSD
dates, gives each distribution its mandatory ``dcat:accessURL`` and attaches the ODRL policy of
the licence (SAITDL-1.0, OGDL-Taiwan-1.0).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from typing import Any

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository.errors import InputError
from repository.triples import TripleIndex
from vocab.namespaces import (
    DCAT,
    DCMITYPE,
    DCT,
    DQV,
    FOAF,
    ODRL,
    PREFIXES,
    PROV,
    RDF_,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    VOCAB_BASE,
    XSD,
    YL,
    bind_prefixes,
    concept,
)

from .rdfxml import rdfxml_bytes, rdfxml_fragment

SAITDL = concept("licence", "SAITDL-1.0")
OGDL = concept("licence", "OGDL-Taiwan-1.0")
LEXVO_BASE = "http://lexvo.org/id/iso639-3/"
IANA_BASE = "http://www.iana.org/assignments/media-types/"
FORMATS = {"turtle": "turtle", "xml": "xml", "json-ld": "json-ld"}
#: The namespace and schema OAI-PMH providers cite for RDF/XML metadata (no official XSD exists
#: for RDF/XML; this pair is the one DSpace, ckanext-oaipmh and others declare).
RDF_NAMESPACE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDF_SCHEMA = "http://www.openarchives.org/OAI/2.0/rdf.xsd"
RDF_SCHEMA_LOCATION = f"{RDF_NAMESPACE} {RDF_SCHEMA}"
#: What the crosswalk reads: an rdflib Graph or the cheaper TripleIndex (same calls).
Readable = Graph | TripleIndex

#: What a catalogue record may show publicly; everything else on it is admin data.
RECORD_PROPERTIES = frozenset({RDF_.type, FOAF.primaryTopic, DCT.issued, DCT.modified,
                               PROV.wasDerivedFrom})
#: Properties whose objects the DCAT-AP range shapes require to carry an explicit class.
RANGE_CLASSES: dict[URIRef, URIRef] = {
    DCT.language: DCT.LinguisticSystem,
    DCT.license: DCT.LicenseDocument,
    DCT.publisher: FOAF.Agent,
    DCT.creator: FOAF.Agent,
    DCAT.contactPoint: VCARD.Kind,
    DCT.temporal: DCT.PeriodOfTime,
    DCT.format: DCT.MediaTypeOrExtent,
    DCAT.mediaType: DCT.MediaType,
    DCAT.distribution: DCAT.Distribution,
    DCT.accessRights: DCT.RightsStatement,
    DCT.rights: DCT.RightsStatement,
    DCT.provenance: DCT.ProvenanceStatement,
    DCT.accrualPeriodicity: DCT.Frequency,
    DCT.spatial: DCT.Location,
    PROV.qualifiedAttribution: PROV.Attribution,
    SPDX.checksum: SPDX.Checksum,
    SPDX.algorithm: SPDX.ChecksumAlgorithm,
    ODRL.hasPolicy: ODRL.Policy,
    DCAT.landingPage: FOAF.Document,
    FOAF.page: FOAF.Document,
}
#: Literal objects DCAT-AP wants as nodes: property → (node class, fragment stem).
STATEMENT_NODES: dict[URIRef, tuple[URIRef, str]] = {
    DCT.accessRights: (DCT.RightsStatement, "access-rights"),
    DCT.rights: (DCT.RightsStatement, "rights"),
    DCT.provenance: (DCT.ProvenanceStatement, "provenance"),
    DCT.accrualPeriodicity: (DCT.Frequency, "frequency"),
    DCT.spatial: (DCT.Location, "location"),
    DCT.format: (DCT.MediaTypeOrExtent, "format"),
}
MEDIA_TYPE = re.compile(r"[a-z]+/[a-z0-9.+\-]+", re.IGNORECASE)
DATE_PROPERTIES = (DCT.issued, DCT.modified, DCT.created, DCT.date, DCT.available,
                   DCT.dateAccepted, DCT.dateCopyrighted, DCT.dateSubmitted, DCT.valid,
                   DCAT.startDate, DCAT.endDate)
W3CDTF = [
    (re.compile(r"\d{4}"), XSD.gYear),
    (re.compile(r"\d{4}-\d{2}"), XSD.gYearMonth),
    (re.compile(r"\d{4}-\d{2}-\d{2}"), XSD.date),
    (re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?"),
     XSD.dateTime),
]


def to_dcat(graph: Readable, subject: URIRef,
            vocabulary: Graph | None = None) -> Graph:
    """The DCAT-AP 3.0.1 description of ``subject`` from its record's named graph ``graph``.

    ``vocabulary`` (optional) supplies ``skos:prefLabel`` of our concepts; without it a label is
    derived from the concept's code. Never emits ``yl:`` terms or the raw payload.
    Raises InputError when ``subject`` is not described in ``graph``.
    """
    out = Graph(bind_namespaces="none")
    for triple in dcat_triples(graph, subject, vocabulary):
        out.add(triple)
    return out


def dcat_triples(graph: Readable, subject: URIRef,
                 vocabulary: Graph | None = None) -> TripleIndex:
    """:func:`to_dcat` as a :class:`TripleIndex` (about 20x cheaper to build than an rdflib
    Graph; what record writes use). ``graph`` may be an rdflib Graph or a TripleIndex.
    Raises InputError when ``subject`` is not described in ``graph``."""
    if (subject, None, None) not in graph:
        raise InputError(f"{subject} is not described in the record graph", record=str(subject))
    out = TripleIndex()
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    _copy_public(graph, out, record)
    _map_tags(graph, subject, out)
    _rewrite_identifiers(out, subject)
    _convert_dates(out)
    _media_type_literals(out)
    _statement_nodes(out)
    _byte_sizes(out)
    _access_urls(out, subject)
    _policies(graph, subject, out)
    _type_ranges(out)
    _type_concepts(out, graph, vocabulary)
    if record is not None:
        _record_admin(graph, record, out)
    return out


def serialize_dcat(graph: Graph, subject: URIRef, fmt: str) -> bytes:
    """``to_dcat`` serialised as ``fmt``: "turtle", "xml" (RDF/XML) or "json-ld".

    Raises InputError for any other format, or when ``subject`` is not in ``graph``.
    """
    if fmt == "xml":
        return rdfxml_bytes(dcat_triples(graph, subject), PREFIXES)
    return serialize_graph(to_dcat(graph, subject), fmt)


def dcat_fragment(graph: Readable, subject: URIRef) -> bytes:
    """The DCAT-AP description of ``subject`` as an ``rdf:RDF`` element without XML declaration,
    carrying its own namespace declarations and ``xsi:schemaLocation`` (an OAI-PMH metadata
    root). Raises InputError as :func:`dcat_triples` and the RDF/XML writer do."""
    return rdfxml_fragment(dcat_triples(graph, subject), PREFIXES, RDF_SCHEMA_LOCATION)


def serialize_graph(graph: Graph, fmt: str) -> bytes:
    """``graph`` as UTF-8 ``fmt`` with our prefixes. Raises InputError for an unknown format."""
    if fmt not in FORMATS:
        raise InputError(f"unknown DCAT serialisation {fmt!r}; expected one of {sorted(FORMATS)}")
    if fmt == "xml":
        return rdfxml_bytes(graph, PREFIXES)
    bind_prefixes(graph)
    if fmt == "json-ld":
        return _sorted_json(graph.serialize(format="json-ld", context=dict(PREFIXES),
                                            encoding="utf-8"))
    return graph.serialize(format=FORMATS[fmt], encoding="utf-8")


def _sorted_json(document: bytes) -> bytes:
    """A JSON-LD document with its node list and every array of values in a fixed order, in
    the layout rdflib writes (two-space indent, sorted keys): rdflib walks the subjects of a
    graph in set order, which changes from run to run, so the same graph gave other bytes."""
    canonical = _sorted_values(json.loads(document))
    return json.dumps(canonical, indent=2, separators=(",", ": "), sort_keys=True,
                      ensure_ascii=False).encode("utf-8")


def _sorted_values(value: Any, ordered: bool = False) -> Any:
    """``value`` with each array sorted by its canonical text, except the items of an
    ``@list`` (``ordered``), whose order is the data."""
    if isinstance(value, dict):
        return {key: _sorted_values(item, key == "@list") for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_values(item) for item in value]
        return items if ordered else sorted(items, key=lambda item: json.dumps(
            item, sort_keys=True, ensure_ascii=False))
    return value


def catalogue(graphs: Iterable[Graph], base: str, publisher: URIRef | None = None) -> Graph:
    """A dcat:Catalog at ``{base}catalog`` listing every record graph in ``graphs``.

    Each graph is a record's named graph (its subject found through the catalogue record's
    ``foaf:primaryTopic``). Raises InputError for a graph that describes no resource.
    """
    out = Graph(bind_namespaces="none")
    catalog = URIRef(f"{base}catalog")
    _catalogue_header(out, catalog, publisher or URIRef(f"{base}agency/yuliao"))
    for graph in graphs:
        subject = record_subject(graph)
        out += to_dcat(graph, subject)
        out.add((catalog, DCAT.dataset, subject))
        record = graph.value(predicate=FOAF.primaryTopic, object=subject)
        if record is not None:
            out.add((catalog, DCAT.record, record))
    return out


def record_subject(graph: Graph) -> URIRef:
    """The described resource of a record graph. Raises InputError when there is none."""
    for record in graph.subjects(RDF_.type, DCAT.CatalogRecord):
        topic = graph.value(record, FOAF.primaryTopic)
        if isinstance(topic, URIRef):
            return topic
    for dataset in graph.subjects(RDF_.type, DCAT.Dataset):
        if isinstance(dataset, URIRef) and "#" not in dataset:
            return dataset
    raise InputError("the graph describes no dataset (no catalogue record, no dcat:Dataset)")


def _catalogue_header(out: Graph, catalog: URIRef, publisher: URIRef) -> None:
    out.add((catalog, RDF_.type, DCAT.Catalog))
    out.add((catalog, DCT.title, Literal("語料：臺灣國家語言資源詮釋資料庫", lang="zh-Hant-TW")))
    out.add((catalog, DCT.title, Literal("Yuliao: Taiwan national language resources", lang="en")))
    out.add((catalog, DCT.description, Literal(
        "臺灣國家語言資源與 AI 訓練語料的詮釋資料目錄（DCAT、OLAC、Croissant）。",
        lang="zh-Hant-TW")))
    out.add((catalog, DCT.description, Literal(
        "Metadata catalogue of Taiwan's national language resources and AI training corpora "
        "(DCAT, OLAC, Croissant).", lang="en")))
    out.add((catalog, DCT.publisher, publisher))
    if (publisher, FOAF.name, None) not in out:
        out.add((publisher, RDF_.type, FOAF.Agent))
        out.add((publisher, FOAF.name, Literal("語料 Yuliao", lang="zh-Hant-TW")))
    for scheme, title in (("text-type", "Text types"), ("application-domain", "Application "
                          "domains"), ("portal-theme", "Portal themes")):
        taxonomy = URIRef(f"{VOCAB_BASE}{scheme}")
        out.add((catalog, DCAT.themeTaxonomy, taxonomy))
        out.add((taxonomy, RDF_.type, SKOS.ConceptScheme))
        out.add((taxonomy, DCT.title, Literal(title, lang="en")))


def _copy_public(graph: Readable, out: TripleIndex, record: Node | None) -> None:
    """Every triple except our own terms and the catalogue record's admin data (its quality
    measurement included: the metric is ours)."""
    base = YL.base
    admin = {record, *graph.objects(record, DQV.hasQualityMeasurement)} if record else set()
    for s, p, o in graph:  # str.startswith: rdflib's override converts both sides first
        if str.startswith(p, base) or (isinstance(o, URIRef) and str.startswith(o, base)):
            continue
        if s in admin and (s != record or p not in RECORD_PROPERTIES):
            continue
        out.add((s, p, o))


def _map_tags(graph: Readable, subject: URIRef, out: TripleIndex) -> None:
    """Seed 001 text types → dct:type; application domains and portal themes → dcat:theme."""
    for text_type in graph.objects(subject, YL.textType):
        out.add((subject, DCT.type, text_type))
    for prop in (YL.applicationDomain, YL.portalTheme):
        for theme in graph.objects(subject, prop):
            out.add((subject, DCAT.theme, theme))


def _rewrite_identifiers(out: TripleIndex, subject: URIRef) -> None:
    """DCAT-AP wants dct:identifier as a literal: an IRI identifier becomes an xsd:anyURI."""
    for iri in list(out.objects(subject, DCT.identifier)):
        if isinstance(iri, URIRef):
            out.remove((subject, DCT.identifier, iri))
            out.add((subject, DCT.identifier, Literal(str(iri), datatype=XSD.anyURI)))


def w3cdtf_to_xsd(value: str) -> Literal | None:
    """The XSD literal (gYear, gYearMonth, date, dateTime) of a W3CDTF string, or None."""
    text = value.strip()
    for pattern, datatype in W3CDTF:
        match = pattern.fullmatch(text)
        if match is None:
            continue
        if datatype == XSD.dateTime and match.group(1) is None:
            text = f"{text[:16]}:00{text[16:]}"  # W3CDTF allows minutes precision, XSD does not
        return Literal(text, datatype=datatype)
    return None


def _convert_dates(out: TripleIndex) -> None:
    for prop in DATE_PROPERTIES:
        for s, o in list(out.subject_objects(prop)):
            if isinstance(o, Literal) and o.datatype in (None, DCT.W3CDTF, XSD.string):
                converted = w3cdtf_to_xsd(str(o))
                if converted is not None:
                    out.remove((s, prop, o))
                    out.add((s, prop, converted))


def _media_type_literals(out: TripleIndex) -> None:
    """A dct:format literal that is a media type ("audio/x-wav"^^dct:IMT) → its IANA IRI."""
    for s, o in list(out.subject_objects(DCT.format)):
        if isinstance(o, Literal) and MEDIA_TYPE.fullmatch(str(o).strip()):
            out.remove((s, DCT.format, o))
            out.add((s, DCT.format, URIRef(IANA_BASE + str(o).strip().lower())))


def _statement_nodes(out: TripleIndex) -> None:
    """Literal rights, provenance, frequency and places → typed nodes labelled with the text."""
    for prop, (cls, stem) in STATEMENT_NODES.items():
        for n, (s, o) in enumerate(sorted(out.subject_objects(prop)), start=1):
            if not isinstance(o, Literal) or not isinstance(s, URIRef):
                continue
            node = URIRef(f"{s.split('#')[0]}#{stem}-{n}")
            out.remove((s, prop, o))
            out.add((s, prop, node))
            out.add((node, RDF_.type, cls))
            out.add((node, RDFS.label, Literal(str(o), lang=o.language)))


def _byte_sizes(out: TripleIndex) -> None:
    for s, o in list(out.subject_objects(DCAT.byteSize)):
        if isinstance(o, Literal) and o.datatype != XSD.nonNegativeInteger:
            out.remove((s, DCAT.byteSize, o))
            if str(o).strip().isdigit():
                out.add((s, DCAT.byteSize, Literal(str(o).strip(),
                                                   datatype=XSD.nonNegativeInteger)))


def _access_urls(out: TripleIndex, subject: URIRef) -> None:
    """DCAT-AP's mandatory accessURL: the downloadURL, else the record's landing page."""
    for dist in set(out.objects(None, DCAT.distribution)):
        if (dist, DCAT.accessURL, None) in out:
            continue
        download = out.value(dist, DCAT.downloadURL)
        out.add((dist, DCAT.accessURL, download if download is not None else subject))


def _policies(graph: Readable, subject: URIRef, out: TripleIndex) -> None:
    """odrl:hasPolicy for the licences we can express (SAITDL-1.0, OGDL-Taiwan-1.0)."""
    licence = graph.value(subject, DCT.license)
    builder = POLICY_BUILDERS.get(licence) if isinstance(licence, URIRef) else None
    if builder is None:
        return
    policy = URIRef(f"{subject}#policy")
    builder(out, policy, subject, graph.value(subject, YL.licenseValidUntil))
    assigner = graph.value(subject, DCT.publisher)
    if assigner is not None:
        out.add((policy, ODRL.assigner, assigner))
    out.add((subject, ODRL.hasPolicy, policy))
    for dist in graph.objects(subject, DCAT.distribution):
        if graph.value(dist, DCT.license) in (None, licence):
            out.add((dist, ODRL.hasPolicy, policy))


def _rule(out: TripleIndex, policy: URIRef, kind: URIRef, name: str, target: URIRef,
          actions: Iterable[URIRef]) -> URIRef:
    rule = URIRef(f"{policy}-{name}")
    out.add((policy, kind, rule))
    out.add((rule, ODRL.target, target))
    for action in actions:
        out.add((rule, ODRL.action, action))
    return rule


def _duties(out: TripleIndex, rule: URIRef, actions: Iterable[URIRef]) -> None:
    for n, action in enumerate(actions, start=1):
        duty = URIRef(f"{rule}-duty-{n}")
        out.add((rule, ODRL.duty, duty))
        out.add((duty, ODRL.action, action))


def _saitdl_policy(out: TripleIndex, policy: URIRef, target: URIRef, until: Node | None) -> None:
    """SAITDL-1.0: AI training only, attribution and AI-output labelling, no similar output."""
    _policy_header(out, policy, "臺灣主權AI訓練語料授權條款-第1版：僅限 AI 訓練使用")
    permission = _rule(out, policy, ODRL.permission, "permission", target, [YL.aiTraining])
    _duties(out, permission, [ODRL.attribute, YL.labelAIOutput])
    if until is not None:
        constraint = URIRef(f"{permission}-constraint")
        out.add((permission, ODRL.constraint, constraint))
        out.add((constraint, ODRL.leftOperand, ODRL.dateTime))
        out.add((constraint, ODRL.operator, ODRL.lteq))
        out.add((constraint, ODRL.rightOperand, until))
    _rule(out, policy, ODRL.prohibition, "prohibition", target,
          [YL.generateSubstantiallySimilar])


def _ogdl_policy(out: TripleIndex, policy: URIRef, target: URIRef, until: Node | None) -> None:
    """OGDL-Taiwan-1.0: any purpose (use, reproduce, distribute, derive) with attribution."""
    _policy_header(out, policy, "政府資料開放授權條款-第1版：不限目的使用，須顯名")
    permission = _rule(out, policy, ODRL.permission, "permission", target,
                       [ODRL.use, ODRL.reproduce, ODRL.distribute, ODRL.derive])
    _duties(out, permission, [ODRL.attribute])


def _policy_header(out: TripleIndex, policy: URIRef, label: str) -> None:
    out.add((policy, RDF_.type, ODRL.Policy))
    out.add((policy, RDF_.type, ODRL.Offer))
    out.add((policy, ODRL.conflict, ODRL.prohibit))
    out.add((policy, RDFS.label, Literal(label, lang="zh-Hant-TW")))


POLICY_BUILDERS: dict[URIRef, Callable[[TripleIndex, URIRef, URIRef, Node | None], None]] = {
    SAITDL: _saitdl_policy,
    OGDL: _ogdl_policy,
}


def _type_ranges(out: TripleIndex) -> None:
    """The explicit rdf:type DCAT-AP's range shapes check (they run without inference)."""
    for prop, cls in RANGE_CLASSES.items():
        for o in set(out.objects(None, prop)):
            if not isinstance(o, Literal):
                out.add((o, RDF_.type, cls))
    for s, o in list(out.subject_objects(DCAT.accessURL)) + list(
            out.subject_objects(DCAT.downloadURL)):
        if isinstance(o, Literal):
            out.remove((s, None, o))


def _type_concepts(out: TripleIndex, source: Readable, vocabulary: Graph | None) -> None:
    """dct:type, dcat:theme and dcat:hadRole objects as labelled SKOS concepts."""
    for prop in (DCT.type, DCAT.theme, DCAT.hadRole):
        for value in set(out.objects(None, prop)):
            if isinstance(value, Literal):
                continue
            out.add((value, RDF_.type, SKOS.Concept))
            if prop == DCAT.hadRole:
                out.add((value, RDF_.type, DCAT.Role))
            for label in _concept_labels(value, source, vocabulary):
                out.add((value, SKOS.prefLabel, label))


def _concept_labels(value: Node, source: Readable, vocabulary: Graph | None) -> list[Literal]:
    for graph in (vocabulary, source):
        if graph is not None:
            labels = [lbl for lbl in graph.objects(value, SKOS.prefLabel)
                      if isinstance(lbl, Literal)]
            if labels:
                return labels
    code = str(value).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    if value in DCMITYPE:
        return [Literal(code, lang="en")]
    return [Literal(code.replace("_", " ").replace("-", " "), lang="en")]


def _record_admin(graph: Readable, record: Node, out: TripleIndex) -> None:
    """The catalogue record: dct:modified is the OAI datestamp (the time of the last change)."""
    datestamp = graph.value(record, YL.datestamp)
    if datestamp is not None:
        out.remove((record, DCT.modified, None))
        out.add((record, DCT.modified, datestamp))
    out.add((record, RDF_.type, DCAT.CatalogRecord))
