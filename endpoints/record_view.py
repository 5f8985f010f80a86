"""What a record page shows, in Chinese and English: every field of the description with
bilingual labels, each vocabulary value with its labels in both languages, the licence
explained (its ODRL permissions, duties and prohibitions), the distributions, the catalogue
record and, for a harvested record, where it came from.

Pure functions of the record's graph and the shipped vocabularies; no Flask here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import urlencode

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from repository.provenance import earlier_origins
from repository.quality import record_quality_parts
from repository.records import Record, utc_text
from vocab import code_of, label, labels, load
from vocab.namespaces import (
    DCAT,
    DCT,
    DQV,
    FOAF,
    ODRL,
    ORG,
    PREFIXES,
    PROV,
    RDF_,
    RDFS,
    SKOS,
    SPDX,
    VCARD,
    YL,
)

from .i18n import N_, in_both

ZH, EN = "zh-Hant", "en"

#: The fields of a description in the order a reader expects them, with their names (English;
#: translated through the catalogue, record.po).
FIELDS: tuple[tuple[URIRef, str], ...] = (
    (DCT.title, N_("Title")),
    (DCT.alternative, N_("Alternative title")),
    (DCT.description, N_("Description")),
    (DCT.identifier, N_("Identifier")),
    (DCAT.keyword, N_("Keywords")),
    (RDF_.type, N_("Resource class")),
    (DCT.type, N_("Type")),
    (YL.textType, N_("Text type")),
    (YL.applicationDomain, N_("Application domain")),
    (YL.portalTheme, N_("Portal theme")),
    (DCT.language, N_("Language of the content")),
    (DCT.subject, N_("Subject (including subject language)")),
    (DCT.coverage, N_("Coverage")),
    (DCT.spatial, N_("Spatial coverage")),
    (DCT.temporal, N_("Time period")),
    (DCT.created, N_("Date created")),
    (DCT.date, N_("Date")),
    (DCT.issued, N_("Date issued")),
    (DCT.modified, N_("Date modified")),
    (DCT.creator, N_("Creator")),
    (DCT.contributor, N_("Contributor")),
    (PROV.qualifiedAttribution, N_("Contributor roles")),
    (DCT.publisher, N_("Publisher")),
    (DCAT.contactPoint, N_("Contact point")),
    (DCT.license, N_("Licence")),
    (YL.licenseValidity, N_("Licence validity")),
    (YL.licenseValidUntil, N_("Licence end date")),
    (DCT.accessRights, N_("Access rights")),
    (YL.accessCondition, N_("Access condition")),
    (DCT.rights, N_("Rights statement")),
    (DCT.bibliographicCitation, N_("Citation")),
    (DCAT.landingPage, N_("Landing page")),
    (YL.plannedRelease, N_("Planned release")),
    # an agency or other agent (agency pages)
    (FOAF.name, N_("Official name")),
    (ORG.subOrganizationOf, N_("Parent agency")),
    (FOAF.homepage, N_("Website")),
    (FOAF.mbox, N_("E-mail")),
    (VCARD.hasTelephone, N_("Telephone")),
    (VCARD.hasEmail, N_("E-mail")),
    # a harvest run (run pages)
    (PROV.used, N_("Source harvested")),
    (PROV.startedAtTime, N_("Started (UTC)")),
    (PROV.endedAtTime, N_("Ended (UTC)")),
)
FIELD_NAMES = dict(FIELDS)
#: Shown in their own sections, not in the field table.
OWN_SECTIONS = frozenset({DCAT.distribution})

_CC = "http://creativecommons.org/ns#"
#: Classes a description is typed with that the shipped vocabularies do not label.
CLASSES: dict[str, str] = {
    str(DCAT.Dataset): N_("Dataset"),
    str(DCAT.DataService): N_("Data service"),
    str(DCAT.Catalog): N_("Catalogue"),
    str(DCAT.Resource): N_("Resource"),
    str(FOAF.Organization): N_("Organization"),
    str(FOAF.Agent): N_("Agent"),
    str(ORG.FormalOrganization): N_("Registered agency"),
}
#: The description fields the licence section repeats beside the licence itself.
LICENCE_TERMS = frozenset({str(YL.licenseValidity), str(YL.licenseValidUntil),
                           str(DCT.accessRights), str(YL.accessCondition), str(DCT.rights)})
#: ODRL 2.2 and Creative Commons actions our licences use (ours carry labels in vocab/).
ACTIONS: dict[str, str] = {
    str(ODRL.use): N_("use"),
    str(ODRL.reproduce): N_("reproduce"),
    str(ODRL.derive): N_("create derivative works"),
    str(ODRL.distribute): N_("distribute"),
    str(ODRL.present): N_("present publicly"),
    str(ODRL.commercialize): N_("use commercially"),
    str(ODRL.grantUse): N_("sublicense (grant use to others)"),
    str(ODRL.transfer): N_("transfer"),
    str(ODRL.attribute): N_("attribute the source"),
    str(ODRL.modify): N_("modify"),
    _CC + "ShareAlike": N_("share alike"),
    _CC + "DerivativeWorks": N_("distribute derivative works"),
    _CC + "CommercialUse": N_("commercial use"),
}


@dataclass(frozen=True)
class Text:
    """A piece of text in a language (``lang`` is a BCP 47 tag, None when unknown)."""

    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Value:
    """One value of a field: its texts (a literal, or labels in both languages), an optional
    link and code, and qualifiers (the roles of a contributor)."""

    texts: tuple[Text, ...]
    href: str | None = None
    code: str | None = None
    qualifiers: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Field:
    """One field of the description: its bilingual name, its values and its predicate."""

    zh: str
    en: str
    values: tuple[Value, ...]
    predicate: str = ""


@dataclass(frozen=True)
class Action:
    """An ODRL action with its labels and the explanations the licence gives for it."""

    zh: str
    en: str
    comments: tuple[Text, ...] = ()
    constraints: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Licence:
    """A licence explained: name, link, definition and its ODRL policy in plain words."""

    iri: str
    names: tuple[Text, ...]
    href: str | None
    definitions: tuple[Text, ...]
    notes: tuple[Text, ...]
    permits: tuple[Action, ...] = field(default=())
    requires: tuple[Action, ...] = field(default=())
    prohibits: tuple[Action, ...] = field(default=())


@dataclass(frozen=True)
class Quality:
    """A record's OLAC metadata quality score (0–10) and what it lacks, each as
    (Chinese, English)."""

    score: float
    missing: tuple[tuple[str, str], ...]


#: What each component of the OLAC score (repository.quality) rewards, as a record lacking it
#: is told.
QUALITY_COMPONENTS = {
    "title": N_("a title"),
    "date": N_("a date"),
    "agent": N_("a contributor"),
    "about": N_("a description or a subject"),
    "depth": N_("more of the description's elements"),
    "content_language": N_("the code of the content's language"),
    "linguistic_type": N_("the OLAC linguistic type"),
    "subject_language": N_("the code of the language it is about"),
    "dcmi_type": N_("the DCMI resource type"),
    "precision": N_("roles and formats given as codes"),
}


def quality(graph: Graph, subject: URIRef) -> Quality | None:
    """The OLAC quality score of ``subject`` as measured when it was published (its DQV
    measurement in ``graph``; measured now when there is none) and the components it lacks;
    None when the record cannot be written as OLAC."""
    parts = record_quality_parts(graph, subject)
    if parts is None:
        return None
    missing = tuple(in_both(QUALITY_COMPONENTS[name]) for name, value in parts.items()
                    if value < 1 and name in QUALITY_COMPONENTS)
    measured = _measured_score(graph, subject)
    return Quality(measured if measured is not None else round(sum(parts.values()), 2),
                   missing)


def _measured_score(graph: Graph, subject: URIRef) -> float | None:
    """The value of the quality measurement on ``subject``'s catalogue record, if any."""
    record = graph.value(predicate=FOAF.primaryTopic, object=subject)
    measurement = graph.value(record, DQV.hasQualityMeasurement) if record else None
    value = graph.value(measurement, DQV.value) if measurement else None
    return float(value) if value is not None else None


# -- the description ---------------------------------------------------------------------------


def description_fields(graph: Graph, subject: URIRef,
                       links: Mapping[Node, str | None] | None = None) -> list[Field]:
    """Every field of ``subject`` in ``graph``: the known ones in :data:`FIELDS` order, then any
    other predicate (named by its vocabulary label or its prefixed name). ``links`` gives the
    link of a value instead of its own (None: no link), for nodes whose page is elsewhere
    than their IRI or that have none."""
    present = {p for p in graph.predicates(subject, None) if p not in OWN_SECTIONS}
    known = [p for p, _ in FIELDS if p in present]
    others = sorted(present - set(known))
    return [_field(graph, subject, p, links or {}) for p in [*known, *others]]


def _field(graph: Graph, subject: URIRef, predicate: URIRef,
           links: Mapping[Node, str | None]) -> Field:
    zh, en = in_both(FIELD_NAMES[predicate]) if predicate in FIELD_NAMES \
        else _predicate_names(predicate)
    objects = sorted(graph.objects(subject, predicate), key=_sort_key)
    values = tuple(_with_source_text(_linked(value_of(graph, o), o, links),
                                     as_given(graph, subject, predicate, o))
                   for o in objects)
    return Field(zh, en, values, str(predicate))


def _linked(value: Value, node: Node, links: Mapping[Node, str | None]) -> Value:
    return replace(value, href=links[node]) if node in links else value


def as_given(graph: Graph, subject: URIRef, predicate: URIRef, obj: Node) -> tuple[Text, ...]:
    """The source's own wording of a coded value, kept on a statement node (an OLAC
    ``<dc:language olac:code="trv">Taroko</dc:language>`` keeps "Taroko")."""
    texts: list[Text] = []
    for statement in graph.subjects(RDF_.object, obj):
        if ((statement, RDF_.subject, subject) in graph
                and (statement, RDF_.predicate, predicate) in graph):
            texts.extend(_literals(graph, statement, RDFS.label))
    return tuple(texts)


def _with_source_text(value: Value, given: tuple[Text, ...]) -> Value:
    if not given:
        return value
    names = in_both(N_("as given “%(text)s”"))
    quoted = tuple(Text(name % {"text": t.text}, lang)
                   for t in given for name, lang in zip(names, (ZH, EN), strict=True))
    return Value(value.texts, value.href, value.code, value.qualifiers + quoted)


def _predicate_names(predicate: URIRef) -> tuple[str, str]:
    known = labels(predicate)
    compact = compact_iri(predicate)
    return known.get(ZH, compact), known.get(EN, compact)


def compact_iri(iri: str) -> str:
    """``prefix:local`` for an IRI under one of our prefixes, else the IRI."""
    for prefix, base in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
        if iri.startswith(base) and len(iri) > len(base):
            return f"{prefix}:{iri[len(base):]}"
    return str(iri)


def _sort_key(node: Node) -> tuple[int, str, str]:
    lang = (node.language or "") if isinstance(node, Literal) else ""
    return (0 if lang.startswith("zh") else 1, lang, str(node))


def value_of(graph: Graph, node: Node) -> Value:
    """How ``node`` is shown: a literal with its language; a vocabulary concept with its labels
    in both languages; an agent, contact, period or attribution from its own triples; else
    its IRI as a link."""
    if isinstance(node, Literal):
        return Value((Text(str(node), node.language),))
    for describe in (_concept, _agent, _contact, _period, _attribution, _labelled):
        found = describe(graph, node)
        if found is not None:
            return found
    return Value((Text(str(node)),), href=str(node) if isinstance(node, URIRef) else None)


def bilingual(node: Node) -> tuple[Text, ...]:
    """The vocabulary labels of ``node`` in Chinese and English (one when they are equal);
    empty when neither the vocabularies nor :data:`CLASSES` label it."""
    if str(node) in CLASSES:
        zh, en = in_both(CLASSES[str(node)])
    elif labels(node):
        zh, en = label(node, ZH), label(node, EN)
    else:
        return ()
    return (Text(zh, ZH),) if zh == en else (Text(zh, ZH), Text(en, EN))


def _concept(graph: Graph, node: Node) -> Value | None:
    texts = bilingual(node)
    if not texts:
        return None
    return Value(texts, href=str(node) if isinstance(node, URIRef) else None,
                 code=code_of(node))


def _agent(graph: Graph, node: Node) -> Value | None:
    names = _literals(graph, node, FOAF.name)
    if not names:
        return None
    return Value(names, href=_own_link(node))


def _contact(graph: Graph, node: Node) -> Value | None:
    names = _literals(graph, node, VCARD.fn)
    if not names:
        return None
    reach = [Text(str(o).split(":", 1)[-1]) for p in (VCARD.hasTelephone, VCARD.hasEmail)
             for o in sorted(graph.objects(node, p))]
    return Value((*names, *reach))


def _period(graph: Graph, node: Node) -> Value | None:
    start, end = graph.value(node, DCAT.startDate), graph.value(node, DCAT.endDate)
    if start is None and end is None:
        return None
    return Value((Text(f"{start or '…'} – {end or '…'}"),))


def _attribution(graph: Graph, node: Node) -> Value | None:
    agent = graph.value(node, PROV.agent)
    if agent is None:
        return None
    names = _literals(graph, agent, FOAF.name) or (Text(str(agent)),)
    roles = [text for role in sorted(graph.objects(node, DCAT.hadRole)) for text in bilingual(role)]
    return Value(names, qualifiers=tuple(roles))


def _labelled(graph: Graph, node: Node) -> Value | None:
    """A node carrying its own label (an uncoded language, a statement about a coded value)."""
    texts = _literals(graph, node, RDFS.label) or _literals(graph, node, SKOS.prefLabel)
    return Value(texts, href=_own_link(node)) if texts else None


def _literals(graph: Graph, node: Node, predicate: URIRef) -> tuple[Text, ...]:
    found = sorted((o for o in graph.objects(node, predicate) if isinstance(o, Literal)),
                   key=_sort_key)
    return tuple(Text(str(o), o.language) for o in found)


def _own_link(node: Node) -> str | None:
    return str(node) if isinstance(node, URIRef) and "#" not in node else None


# -- distributions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Distribution:
    """One file or access point of the resource."""

    title: str
    media_type: tuple[Text, ...]
    size: str | None
    url: str | None
    download: bool
    licence: tuple[Text, ...]
    #: a file of ours: the SHA-256 of its bytes and its tokens (None for a link elsewhere)
    sha256: str | None = None
    tokens: int | None = None
    byte_size: int | None = None


@dataclass(frozen=True)
class FileTotals:
    """The dataset's files in all: how many, their size, their tokens (by our tokenizer)."""

    files: int
    size: str
    tokens: int


def file_totals(found: list[Distribution]) -> FileTotals | None:
    """The totals of the files of ours among ``found`` (None when there are none)."""
    ours = [d for d in found if d.sha256 is not None]
    if not ours:
        return None
    return FileTotals(len(ours), human_size(sum(d.byte_size or 0 for d in ours)),
                      sum(d.tokens or 0 for d in ours))


def distributions(graph: Graph, subject: URIRef) -> list[Distribution]:
    """The distributions of ``subject``, by title."""
    dataset_licence = graph.value(subject, DCT.license)
    found = [_distribution(graph, d, dataset_licence)
             for d in graph.objects(subject, DCAT.distribution)]
    return sorted(found, key=lambda d: d.title)


def _distribution(graph: Graph, node: Node, dataset_licence: Node | None) -> Distribution:
    """A distribution as the page shows it; its licence is the dataset's unless it has its
    own."""
    media = graph.value(node, DCAT.mediaType) or graph.value(node, DCT.format)
    download = graph.value(node, DCAT.downloadURL)
    url = download or graph.value(node, DCAT.accessURL)
    size = graph.value(node, DCAT.byteSize)
    licence = graph.value(node, DCT.license) or (dataset_licence if download else None)
    title = graph.value(node, DCT.title)
    checksum = graph.value(graph.value(node, SPDX.checksum), SPDX.checksumValue) \
        if (node, SPDX.checksum, None) in graph else None
    tokens = graph.value(node, YL.tokenCount)
    return Distribution(
        title=str(title) if title is not None else str(url or node),
        media_type=bilingual(media) or ((Text(str(media)),) if media is not None else ()),
        size=human_size(int(size)) if size is not None and str(size).isdigit() else None,
        url=str(url) if url is not None else None,
        download=download is not None,
        licence=bilingual(licence) if licence is not None else (),
        sha256=str(checksum) if checksum is not None else None,
        tokens=int(tokens) if tokens is not None and str(tokens).isdigit() else None,
        byte_size=int(size) if size is not None and str(size).isdigit() else None,
    )


def human_size(size: int) -> str:
    """``size`` bytes in binary units (1 KB = 1024 B, as the demo data counts): ``678.61 MB``."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            break
        value /= 1024
    return f"{size} B" if unit == "B" else f"{value:.2f} {unit} ({size:,} B)"


# -- the licence -------------------------------------------------------------------------------


def licences(graph: Graph, subject: URIRef) -> list[Licence]:
    """Each licence of ``subject`` explained from the shipped licence vocabulary."""
    return [explain_licence(iri) for iri in sorted(graph.objects(subject, DCT.license))
            if isinstance(iri, URIRef)]


def explain_licence(iri: URIRef) -> Licence:
    """Name, link, definition and ODRL policy of licence ``iri`` (a licence we do not know
    is shown by its IRI, with nothing permitted or required stated)."""
    vocab = load()
    policy = vocab.value(iri, ODRL.hasPolicy)
    permissions = sorted(vocab.objects(policy, ODRL.permission)) if policy is not None else []
    prohibitions = sorted(vocab.objects(policy, ODRL.prohibition)) if policy is not None else []
    duties = sorted({d for p in permissions for d in vocab.objects(p, ODRL.duty)})
    link = vocab.value(iri, RDFS.seeAlso) or vocab.value(iri, SKOS.exactMatch)
    return Licence(
        iri=str(iri),
        names=bilingual(iri) or (Text(str(iri)),),
        href=str(link) if link is not None else str(iri),
        definitions=_literals(vocab, iri, SKOS.definition),
        notes=_literals(vocab, iri, SKOS.note) + (
            _literals(vocab, policy, SKOS.note) if policy is not None else ()),
        permits=_actions(vocab, permissions),
        requires=_actions(vocab, duties),
        prohibits=_actions(vocab, prohibitions),
    )


def _actions(vocab: Graph, rules: list[Node]) -> tuple[Action, ...]:
    """One Action per distinct action of ``rules``, with the rules' comments and constraints."""
    merged: dict[str, Action] = {}
    for rule in rules:
        for action in vocab.objects(rule, ODRL.action):
            zh, en = action_names(action)
            before = merged.get(str(action), Action(zh, en))
            merged[str(action)] = Action(
                zh, en, _merge(before.comments, _literals(vocab, rule, RDFS.comment)),
                _merge(before.constraints, _constraints(vocab, rule)))
    return tuple(merged[key] for key in sorted(merged, key=lambda k: merged[k].en))


def _merge(first: tuple[Text, ...], more: tuple[Text, ...]) -> tuple[Text, ...]:
    return first + tuple(t for t in more if t not in first)


def action_names(action: Node) -> tuple[str, str]:
    """(Chinese, English) names of an ODRL action; its local name when we have none."""
    if str(action) in ACTIONS:
        return in_both(ACTIONS[str(action)])
    known = labels(action)
    local = str(action).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return known.get(ZH, local), known.get(EN, local)


def _constraints(vocab: Graph, rule: Node) -> tuple[Text, ...]:
    """The purpose constraints of a rule in both languages (the only kind our licences use)."""
    texts: list[Text] = []
    for constraint in vocab.objects(rule, ODRL.constraint):
        if vocab.value(constraint, ODRL.leftOperand) == ODRL.purpose:
            names = action_names(vocab.value(constraint, ODRL.rightOperand))
            wording = in_both(N_("only for the purpose of %(purpose)s"))
            texts += [Text(said % {"purpose": name}, lang)
                      for said, name, lang in zip(wording, names, (ZH, EN), strict=True)]
    return tuple(texts)


# -- the catalogue record and its provenance ----------------------------------------------------


def catalogue_fields(record: Record, oai_identifier: str) -> list[Field]:
    """The admin facts of the catalogue record: local id, OAI identifier, dates, revision."""
    rows = [(N_("Local identifier"), record.id),
            (N_("OAI identifier"), oai_identifier),
            (N_("Datestamp (UTC)"), _when(record.datestamp)),
            (N_("First published (UTC)"), _when(record.issued)),
            (N_("Revision"), str(record.revision))]
    return [Field(*in_both(name), (Value((Text(text),)),)) for name, text in rows if text]


def provenance_fields(record: Record) -> list[Field]:
    """Where a harvested or imported record came from; empty for a record made here."""
    source = record.source
    if source is None:
        return []
    rows = [(N_("Original identifier"), source.identifier, source_record_url(record)),
            (N_("Original datestamp"), source.datestamp, None),
            (N_("Original format"), source.format, None),
            (N_("Source OAI-PMH base URL"), source.base_url, source.base_url),
            (N_("Source metadata namespace"), source.metadata_namespace, None),
            (N_("Harvest date"), source.harvest_date, None),
            (N_("Harvest run"), source.activity, source.activity)]
    rows += [(N_("Earlier origin"), f"{identifier} ({base_url})", base_url)
             for base_url, identifier in earlier_origins(source)]
    return [Field(*in_both(name), (Value((Text(str(text)),), href=str(href) if href else None),))
            for name, text, href in rows if text]


def source_record_url(record: Record) -> str | None:
    """The GetRecord URL of a harvested record at its source, when the source's base URL and
    an OAI identifier are known; else None."""
    source = record.source
    if source is None or not source.base_url or not source.identifier.startswith("oai:"):
        return None
    query = urlencode({"verb": "GetRecord", "metadataPrefix": source.format or "oai_dc",
                       "identifier": source.identifier})
    return f"{source.base_url}?{query}"


def _when(moment) -> str | None:
    return utc_text(moment) if moment is not None else None


def titles(graph: Graph, subject: URIRef) -> list[Text]:
    """The titles of ``subject``, Chinese first."""
    return list(_literals(graph, subject, DCT.title))


def names(graph: Graph, node: Node) -> list[Text]:
    """The names (``foaf:name``) of an agent, Chinese first."""
    return list(_literals(graph, node, FOAF.name))
