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
    FOAF,
    ODRL,
    ORG,
    PREFIXES,
    PROV,
    RDF_,
    RDFS,
    SKOS,
    VCARD,
    YL,
)

ZH, EN = "zh-Hant", "en"

#: The fields of a description in the order a reader expects them, with bilingual names.
FIELDS: tuple[tuple[URIRef, str, str], ...] = (
    (DCT.title, "名稱", "Title"),
    (DCT.alternative, "其他名稱", "Alternative title"),
    (DCT.description, "描述", "Description"),
    (DCT.identifier, "識別碼", "Identifier"),
    (DCAT.keyword, "關鍵字", "Keywords"),
    (RDF_.type, "資源類別", "Resource class"),
    (DCT.type, "類型", "Type"),
    (YL.textType, "文本資料類型", "Text type"),
    (YL.applicationDomain, "應用領域", "Application domain"),
    (YL.portalTheme, "主題分類", "Portal theme"),
    (DCT.language, "內容語言", "Language of the content"),
    (DCT.subject, "主題（含主題語言）", "Subject (including subject language)"),
    (DCT.coverage, "涵蓋範圍", "Coverage"),
    (DCT.spatial, "空間範圍", "Spatial coverage"),
    (DCT.temporal, "資料年份", "Time period"),
    (DCT.created, "建立日期", "Date created"),
    (DCT.date, "日期", "Date"),
    (DCT.issued, "發布日期", "Date issued"),
    (DCT.modified, "修改日期", "Date modified"),
    (DCT.creator, "創作者", "Creator"),
    (DCT.contributor, "貢獻者", "Contributor"),
    (PROV.qualifiedAttribution, "貢獻者角色", "Contributor roles"),
    (DCT.publisher, "資料提供者", "Publisher"),
    (DCAT.contactPoint, "資料聯絡人", "Contact point"),
    (DCT.license, "授權方式", "Licence"),
    (YL.licenseValidity, "授權有效期間", "Licence validity"),
    (YL.licenseValidUntil, "授權截止日期", "Licence end date"),
    (DCT.accessRights, "取用權限", "Access rights"),
    (YL.accessCondition, "取用條件", "Access condition"),
    (DCT.rights, "權利聲明", "Rights statement"),
    (DCT.bibliographicCitation, "引用格式", "Citation"),
    (DCAT.landingPage, "原始頁面", "Landing page"),
    (YL.plannedRelease, "上架階段", "Planned release"),
    # an agency or other agent (agency pages)
    (FOAF.name, "名稱", "Name"),
    (ORG.subOrganizationOf, "上層機關", "Parent agency"),
    (FOAF.homepage, "網站", "Website"),
    (FOAF.mbox, "電子郵件", "E-mail"),
    (VCARD.hasTelephone, "電話", "Telephone"),
    (VCARD.hasEmail, "電子郵件", "E-mail"),
    # a harvest run (run pages)
    (PROV.used, "收割來源", "Source harvested"),
    (PROV.startedAtTime, "開始時間 (UTC)", "Started (UTC)"),
    (PROV.endedAtTime, "結束時間 (UTC)", "Ended (UTC)"),
)
FIELD_NAMES = {predicate: (zh, en) for predicate, zh, en in FIELDS}
#: Shown in their own sections, not in the field table.
OWN_SECTIONS = frozenset({DCAT.distribution})

_CC = "http://creativecommons.org/ns#"
#: Classes a description is typed with that the shipped vocabularies do not label.
CLASSES: dict[str, tuple[str, str]] = {
    str(DCAT.Dataset): ("資料集", "Dataset"),
    str(DCAT.DataService): ("資料服務", "Data service"),
    str(DCAT.Catalog): ("資料目錄", "Catalogue"),
    str(DCAT.Resource): ("資源", "Resource"),
    str(FOAF.Organization): ("機關組織", "Organization"),
    str(FOAF.Agent): ("行為者", "Agent"),
    str(ORG.FormalOrganization): ("登記機關", "Registered agency"),
}
#: The description fields the licence section repeats beside the licence itself.
LICENCE_TERMS = frozenset({str(YL.licenseValidity), str(YL.licenseValidUntil),
                           str(DCT.accessRights), str(YL.accessCondition), str(DCT.rights)})
#: ODRL 2.2 and Creative Commons actions our licences use (ours carry labels in vocab/).
ACTIONS: dict[str, tuple[str, str]] = {
    str(ODRL.use): ("使用", "use"),
    str(ODRL.reproduce): ("重製", "reproduce"),
    str(ODRL.derive): ("改作", "create derivative works"),
    str(ODRL.distribute): ("散布", "distribute"),
    str(ODRL.present): ("公開播送", "present publicly"),
    str(ODRL.commercialize): ("商業利用", "use commercially"),
    str(ODRL.grantUse): ("再授權他人利用", "sublicense (grant use to others)"),
    str(ODRL.transfer): ("轉讓", "transfer"),
    str(ODRL.attribute): ("標示出處", "attribute the source"),
    str(ODRL.modify): ("修改", "modify"),
    _CC + "ShareAlike": ("以相同方式分享", "share alike"),
    _CC + "DerivativeWorks": ("散布改作作品", "distribute derivative works"),
    _CC + "CommercialUse": ("商業利用", "commercial use"),
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
    "title": ("名稱", "a title"),
    "date": ("日期", "a date"),
    "agent": ("貢獻者", "a contributor"),
    "about": ("描述或主題", "a description or a subject"),
    "depth": ("更多描述欄位", "more of the description's elements"),
    "content_language": ("內容語言的代碼", "the code of the content's language"),
    "linguistic_type": ("OLAC 語言學類型", "the OLAC linguistic type"),
    "subject_language": ("主題語言的代碼", "the code of the language it is about"),
    "dcmi_type": ("DCMI 資源類型", "the DCMI resource type"),
    "precision": ("以代碼標明的角色與格式", "roles and formats given as codes"),
}


def quality(graph: Graph, subject: URIRef) -> Quality | None:
    """The OLAC quality score of ``subject`` and the components it lacks; None when the
    record cannot be written as OLAC."""
    parts = record_quality_parts(graph, subject)
    if parts is None:
        return None
    missing = tuple(QUALITY_COMPONENTS[name] for name, value in parts.items()
                    if value < 1 and name in QUALITY_COMPONENTS)
    return Quality(round(sum(parts.values()), 2), missing)


# -- the description ---------------------------------------------------------------------------


def description_fields(graph: Graph, subject: URIRef,
                       links: Mapping[Node, str | None] | None = None) -> list[Field]:
    """Every field of ``subject`` in ``graph``: the known ones in :data:`FIELDS` order, then any
    other predicate (named by its vocabulary label or its prefixed name). ``links`` gives the
    link of a value instead of its own (None: no link), for nodes whose page is elsewhere
    than their IRI or that have none."""
    present = {p for p in graph.predicates(subject, None) if p not in OWN_SECTIONS}
    known = [p for p, _, _ in FIELDS if p in present]
    others = sorted(present - set(known))
    return [_field(graph, subject, p, links or {}) for p in [*known, *others]]


def _field(graph: Graph, subject: URIRef, predicate: URIRef,
           links: Mapping[Node, str | None]) -> Field:
    zh, en = FIELD_NAMES.get(predicate) or _predicate_names(predicate)
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
    quoted = tuple(Text(f"原文 “{t.text}”" if i == 0 else f"as given “{t.text}”", lang)
                   for t in given for i, lang in enumerate((ZH, EN)))
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
        zh, en = CLASSES[str(node)]
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


def distributions(graph: Graph, subject: URIRef) -> list[Distribution]:
    """The distributions of ``subject``, by title."""
    found = [_distribution(graph, d) for d in graph.objects(subject, DCAT.distribution)]
    return sorted(found, key=lambda d: d.title)


def _distribution(graph: Graph, node: Node) -> Distribution:
    media = graph.value(node, DCAT.mediaType) or graph.value(node, DCT.format)
    download = graph.value(node, DCAT.downloadURL)
    url = download or graph.value(node, DCAT.accessURL)
    size = graph.value(node, DCAT.byteSize)
    licence = graph.value(node, DCT.license)
    title = graph.value(node, DCT.title)
    return Distribution(
        title=str(title) if title is not None else str(url or node),
        media_type=bilingual(media) or ((Text(str(media)),) if media is not None else ()),
        size=human_size(int(size)) if size is not None and str(size).isdigit() else None,
        url=str(url) if url is not None else None,
        download=download is not None,
        licence=bilingual(licence) if licence is not None else (),
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
        return ACTIONS[str(action)]
    known = labels(action)
    local = str(action).rstrip("/#").rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    return known.get(ZH, local), known.get(EN, local)


def _constraints(vocab: Graph, rule: Node) -> tuple[Text, ...]:
    """The purpose constraints of a rule in both languages (the only kind our licences use)."""
    texts: list[Text] = []
    for constraint in vocab.objects(rule, ODRL.constraint):
        if vocab.value(constraint, ODRL.leftOperand) == ODRL.purpose:
            zh, en = action_names(vocab.value(constraint, ODRL.rightOperand))
            texts += [Text(f"僅限{zh}目的", ZH), Text(f"only for the purpose of {en}", EN)]
    return tuple(texts)


# -- the catalogue record and its provenance ----------------------------------------------------


def catalogue_fields(record: Record, oai_identifier: str) -> list[Field]:
    """The admin facts of the catalogue record: local id, OAI identifier, dates, revision."""
    rows = [("本地識別碼", "Local identifier", record.id),
            ("OAI 識別碼", "OAI identifier", oai_identifier),
            ("異動時間戳記 (UTC)", "Datestamp (UTC)", _when(record.datestamp)),
            ("首次上架 (UTC)", "First published (UTC)", _when(record.issued)),
            ("版本", "Revision", str(record.revision))]
    return [Field(zh, en, (Value((Text(text),)),)) for zh, en, text in rows if text]


def provenance_fields(record: Record) -> list[Field]:
    """Where a harvested or imported record came from; empty for a record made here."""
    source = record.source
    if source is None:
        return []
    rows = [("原始識別碼", "Original identifier", source.identifier, source_record_url(record)),
            ("原始時間戳記", "Original datestamp", source.datestamp, None),
            ("原始格式", "Original format", source.format, None),
            ("來源 OAI-PMH 位址", "Source OAI-PMH base URL", source.base_url, source.base_url),
            ("來源詮釋資料命名空間", "Source metadata namespace", source.metadata_namespace, None),
            ("收割時間", "Harvest date", source.harvest_date, None),
            ("收割作業", "Harvest run", source.activity, source.activity)]
    rows += [("更早的來源", "Earlier origin", f"{identifier} ({base_url})", base_url)
             for base_url, identifier in earlier_origins(source)]
    return [Field(zh, en, (Value((Text(str(text)),), href=str(href) if href else None),))
            for zh, en, text, href in rows if text]


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
