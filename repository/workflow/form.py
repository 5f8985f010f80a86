"""The dataset form of the back office (seed 001, 編輯詮釋資料, pages 1–4, plus what a language
resource needs), as a model: its fields read from a record's graph, written back into it, and
read from what a browser sent. No HTTP here; endpoints/admin/form.py shows it.

The form carries these statements of a record (the predicates the demo records, the data.gov.tw
and OLAC crosswalks and the shapes already use, docs/data-model.md):

==================  ===============================================================
field               statements
==================  ===============================================================
title_zh, title_en  ``dct:title`` tagged zh-* (or untagged) and en
description(_en)    ``dct:description`` likewise
keywords            ``dcat:keyword`` (written comma-separated; ``,`` ``、`` ``，`` split)
text_types          ``yl:textType`` text-type concepts
domains             ``yl:applicationDomain`` application-domain concepts
languages           ``dct:language`` Lexvo ISO 639-3 IRIs
files (the size)    ``dcat:distribution`` nodes: ``dct:title`` (file name),
                    ``dcat:mediaType`` (and ``dct:format``), ``dcat:byteSize``
licence             ``dct:license`` licence concept
validity,           ``yl:licenseValidity`` ``yl:permanent`` | ``yl:untilDate`` and
valid_until         ``yl:licenseValidUntil`` (the year's last day, ``xsd:date``)
year_start/_end     ``dct:temporal`` ``dct:PeriodOfTime`` with ``dcat:startDate`` /
                    ``dcat:endDate`` ``xsd:gYear``
contact_*           ``dcat:contactPoint`` ``vcard:Kind`` ``vcard:fn`` /
                    ``vcard:hasTelephone`` (tel:) / ``vcard:hasEmail`` (mailto:)
subject_languages   ``dct:subject`` Lexvo IRIs (other subjects are not the form's)
linguistic_type     ``dct:type`` olac-linguistic-type concept (other types are not)
contributors        ``prov:qualifiedAttribution`` ``prov:Attribution`` with
                    ``prov:agent`` (a ``foaf:Agent`` with ``foaf:name``) and ``dcat:hadRole``
                    an olac-role concept; the agent also ``dct:contributor``
access_condition    ``yl:accessCondition`` access-condition concept
==================  ===============================================================

The providing agency (``dct:publisher``) is never a field: it is the account's
(:func:`with_agency`). Every other statement of the record (harvested extras, access rights,
portal themes, the extra statements of a file) is kept as it was when the form is written back
(:func:`written`).

Seed 001's year range: one year (a single file) is start = end, so a range with one end given
is that one year; a range over several years runs from the earliest to the latest file's year;
start ≤ end is the shapes' rule (``ylsh:PeriodShape``). The licence validity is permanent or
until a year (西元…年止): until the 31 December of that year.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from urllib.parse import quote

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import (
    DCAT,
    DCMITYPE,
    DCT,
    FOAF,
    LEXVO,
    PROV,
    RDF_,
    SPDX,
    VCARD,
    XSD,
    YL,
    concept,
)
from vocab.schemes import concepts

from ..crosswalks.govtw import tel_iri
from ..errors import InputError
from ..files.distributions import remove_file
from ..quality import record_quality_parts
from ..records import restore_byte_sizes
from ..validation import Validator, Violation

ZH_TAG, EN_TAG = "zh-Hant-TW", "en"
IANA = "http://www.iana.org/assignments/media-types/"
#: The file formats seed 001 accepts (the shapes' list), by the portal's names.
FORMATS = {"PDF": URIRef(IANA + "application/pdf"),
           "ODT": URIRef(IANA + "application/vnd.oasis.opendocument.text"),
           "CSV": URIRef(IANA + "text/csv"), "XML": URIRef(IANA + "application/xml"),
           "JSON": URIRef(IANA + "application/json")}
#: Binary units a file size may be written in (seed 001's 500 MB is 524,288,000 bytes).
UNITS = {"": 1, "B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3, "TB": 1024 ** 4}
VALIDITY = {"permanent": YL.permanent, "until": YL.untilDate}
#: Longest text of one field (characters), most values of a list field.
MAX_TEXT, MAX_DESCRIPTION, MAX_ITEMS = 500, 10_000, 100
KEYWORD_SEPARATORS = re.compile(r"[,、，;；\n]+")
CODE_SEPARATORS = re.compile(r"[\s,、，;；]+")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
YEAR = re.compile(r"[0-9]{4}")
SIZE = re.compile(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*([KMGT]?B?)", re.IGNORECASE)
EMAIL_UNSAFE = re.compile(r"[\s<>\"{}|\\^`]")

#: Every field of the form, in the order the page shows them.
FIELDS = ("title_zh", "title_en", "description", "description_en", "keywords", "text_types",
          "domains", "languages", "files", "licence", "validity", "valid_until", "years",
          "agency", "contact_name", "contact_phone", "contact_email", "subject_languages",
          "linguistic_type", "contributors", "access_condition")


@dataclass(frozen=True)
class FileRow:
    """One file of the dataset: its name, format (a key of :data:`FORMATS`), size in bytes,
    and the fragment of its node when it is already described (``dist-1``)."""

    name: str = ""
    format: str = ""
    byte_size: int | None = None
    node: str = ""


@dataclass(frozen=True)
class Contributor:
    """A person or body who contributed, with an OLAC role code (``compiler``)."""

    name: str
    role: str


@dataclass(frozen=True)
class DatasetForm:
    """What the form shows and sends. Codes are those of vocab/ (text-type, application-domain,
    licence, olac-linguistic-type, olac-role, access-condition schemes; ISO 639-3)."""

    title_zh: str = ""
    title_en: str = ""
    description: str = ""
    description_en: str = ""
    keywords: tuple[str, ...] = ()
    text_types: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    files: tuple[FileRow, ...] = ()
    licence: str = ""
    validity: str = ""
    valid_until: int | None = None
    year_start: int | None = None
    year_end: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    contact_email: str = ""
    subject_languages: tuple[str, ...] = ()
    linguistic_type: str = ""
    contributors: tuple[Contributor, ...] = ()
    access_condition: str = ""

    @property
    def total_size(self) -> int:
        """The dataset's size (資料集檔案大小): the sum of its files' sizes, in bytes."""
        return sum(row.byte_size or 0 for row in self.files)


@dataclass(frozen=True)
class FieldProblem:
    """A value the form cannot take, at ``field``, said in both languages."""

    field: str
    message_zh: str
    message_en: str


class FormInputError(InputError):
    """Values the form cannot take (400): every problem, each naming its field (the first one
    is the error's ``field``), and ``form``: the rest of what was sent (the bad values left
    out), for a check to say what else is wrong."""

    def __init__(self, problems: Sequence[FieldProblem], form: DatasetForm) -> None:
        self.problems, self.form = list(problems), form
        first = self.problems[0]
        super().__init__("; ".join(f"{p.field}: {p.message_en}" for p in self.problems),
                         field=first.field)


# -- reading what a browser sent --------------------------------------------------------------

FormData = Mapping[str, Sequence[str]]


class _Reader:
    """Reads the fields of one submission, collecting a problem per bad field."""

    def __init__(self, data: FormData) -> None:
        self.data, self.problems = data, []

    def all(self, name: str) -> list[str]:
        return [str(v) for v in self.data.get(name, ())]

    def one(self, name: str, limit: int = MAX_TEXT) -> str:
        values = self.all(name)
        text = " ".join((values[0] if values else "").split()) if limit <= MAX_TEXT else (
            (values[0] if values else "").strip())
        if len(text) > limit:
            self.problem(name, f"最多 {limit} 個字", f"at most {limit} characters")
            return text[:limit]
        return text

    def problem(self, name: str, zh: str, en: str) -> None:
        self.problems.append(FieldProblem(name, zh, en))

    def codes(self, name: str, scheme: str, what_zh: str, what_en: str) -> tuple[str, ...]:
        known, chosen = concepts(scheme), []
        for value in self.all(name):
            code = value.strip()
            if not code:
                continue
            if code not in known:
                self.problem(name, f"「{code}」不是{what_zh}", f"{code!r} is not {what_en}")
            elif code not in chosen:
                chosen.append(code)
        return tuple(chosen[:MAX_ITEMS])

    def code(self, name: str, scheme: str, what_zh: str, what_en: str) -> str:
        found = self.codes(name, scheme, what_zh, what_en)
        return found[0] if found else ""

    def languages(self, name: str) -> tuple[str, ...]:
        chosen: list[str] = []
        for value in self.all(name):
            for code in CODE_SEPARATORS.split(value):
                if not code:
                    continue
                try:
                    found = resolve(code).code
                except LanguageCodeError as error:
                    self.problem(name, f"「{code}」不是現行的 ISO 639-3 語言代碼",
                                 f"{code!r}: {error}")
                    continue
                if found not in chosen:
                    chosen.append(found)
        return tuple(chosen[:MAX_ITEMS])

    def year(self, name: str) -> int | None:
        text = self.one(name)
        if not text:
            return None
        if not YEAR.fullmatch(text):
            self.problem(name, "年份須為西元四位數，例如 2025",
                         "a year is four digits, such as 2025")
            return None
        return int(text)


def read_form(data: FormData) -> DatasetForm:
    """The form as sent (``data``: field name → values, as ``request.form.to_dict(flat=False)``
    gives them). Raises FormInputError naming every field whose value cannot be taken: an
    unknown code, a language code that is not current ISO 639-3, a year that is not four
    digits, a file size or format that cannot be read, a phone number or e-mail that cannot be
    written as a tel: or mailto: IRI, a text too long."""
    read = _Reader(data)
    start, end = read.year("year_start"), read.year("year_end")
    if (start is None) != (end is None):  # one year given: a single year (seed 001)
        start = end = start if start is not None else end
    validity = read.one("validity")
    if validity and validity not in VALIDITY:
        read.problem("validity", "授權有效期間須為「永久」或「至某年止」",
                     "the licence validity is permanent or until a year")
        validity = ""
    form = DatasetForm(
        title_zh=read.one("title_zh"), title_en=read.one("title_en"),
        description=read.one("description", MAX_DESCRIPTION),
        description_en=read.one("description_en", MAX_DESCRIPTION),
        keywords=_keywords(read.one("keywords", MAX_DESCRIPTION)),
        text_types=read.codes("text_types", "text-type", "表單所列的文本資料類型",
                              "a text type of the form"),
        domains=read.codes("domains", "application-domain", "表單所列的應用領域",
                           "an application domain of the form"),
        languages=read.languages("languages"), files=_files(read),
        licence=read.code("licence", "licence", "平臺所列的授權方式", "a licence of the platform"),
        validity=validity, valid_until=read.year("valid_until"),
        year_start=start, year_end=end,
        contact_name=read.one("contact_name"), contact_phone=read.one("contact_phone"),
        contact_email=read.one("contact_email"),
        subject_languages=read.languages("subject_languages"),
        linguistic_type=read.code("linguistic_type", "olac-linguistic-type",
                                  "OLAC 語言學類型", "an OLAC linguistic type"),
        contributors=_contributors(read),
        access_condition=read.code("access_condition", "access-condition", "取用條件",
                                   "an access condition"))
    if form.contact_phone and _telephone(form.contact_phone) is None:
        read.problem("contact_phone", "電話請寫成 (02)-23800791 或 +886-2-23800791",
                     "write the telephone as (02)-23800791 or +886-2-23800791")
    if form.contact_email and EMAIL_UNSAFE.search(form.contact_email):
        read.problem("contact_email", "電子郵件地址不可有空白或 <>\"{}|\\^` 字元",
                     "an e-mail address has no spaces or <>\"{}|\\^` characters")
    if read.problems:
        raise FormInputError(read.problems, form)
    return form


def _keywords(text: str) -> tuple[str, ...]:
    found: list[str] = []
    for part in KEYWORD_SEPARATORS.split(text):
        word = " ".join(part.split())
        if word and word not in found:
            found.append(word)
    return tuple(found[:MAX_ITEMS])


def _files(read: _Reader) -> tuple[FileRow, ...]:
    names, formats = read.all("file_name"), read.all("file_format")
    sizes, nodes = read.all("file_size"), read.all("file_node")
    rows = []
    for index in range(min(max(len(names), len(formats), len(sizes)), MAX_ITEMS)):
        name, kind, size, node = (_at(values, index) for values in (names, formats, sizes, nodes))
        if not (name or size):
            continue
        if kind and kind.upper() not in FORMATS:
            read.problem("files", f"檔案格式須為 {'、'.join(FORMATS)}",
                         f"a file's format is one of {', '.join(FORMATS)}")
        byte_size = byte_count(size)
        if size and byte_size is None:
            read.problem("files", "檔案大小請寫成位元組數或 678.61 MB 這樣的大小",
                         "write a file's size in bytes or as 678.61 MB")
        rows.append(FileRow(" ".join(name.split())[:MAX_TEXT], kind.upper(), byte_size,
                            node if re.fullmatch(r"[A-Za-z0-9_.\-]{1,64}", node) else ""))
    return tuple(rows)


def _contributors(read: _Reader) -> tuple[Contributor, ...]:
    names, roles, known = read.all("contributor_name"), read.all("contributor_role"), concepts(
        "olac-role")
    found = []
    for index in range(min(len(names), MAX_ITEMS)):
        name, role = " ".join(_at(names, index).split()), _at(roles, index)
        if not name:
            continue
        if role not in known:
            read.problem("contributors", "每位貢獻者須選一個 OLAC 角色",
                         "each contributor needs one of the OLAC roles")
            continue
        found.append(Contributor(name[:MAX_TEXT], role))
    return tuple(found)


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""


def byte_count(text: str) -> int | None:
    """A size as written ("678.61 MB", "1,048,576", "500MB") in bytes (binary units); None when
    it cannot be read."""
    found = SIZE.fullmatch(text.strip())
    if not found:
        return None
    unit = found.group(2).upper()
    unit = unit if unit in UNITS else unit + "B"
    if unit not in UNITS:
        return None
    return round(float(found.group(1).replace(",", "")) * UNITS[unit])


def readable_size(size: int) -> str:
    """``size`` bytes as the form shows a dataset's size: "678.61 MB"."""
    for unit in ("TB", "GB", "MB", "KB"):
        if size >= UNITS[unit]:
            return f"{size / UNITS[unit]:.2f} {unit}"
    return f"{size} B"


def _telephone(text: str) -> URIRef | None:
    """A phone number as written ("(02)-23800791", "+886-2-23800791", "02-23165300#12") as a
    tel: IRI; None when it has no digits to make one of."""
    text = text.removeprefix("tel:").strip()
    if text.startswith("+"):
        main, _, extension = text.partition("#")
        groups = re.findall(r"\d+", main)
        if not groups:
            return None
        ext = f";ext={extension.strip()}" if extension.strip().isdigit() else ""
        return URIRef(f"tel:+{'-'.join(groups)}{ext}")
    return tel_iri(text)


# -- reading a record --------------------------------------------------------------------------

def form_of(graph: Graph, subject: URIRef) -> DatasetForm:
    """The form filled from ``subject``'s description in ``graph`` (what the form does not
    carry is left out). Raises nothing: values outside the form's vocabularies are left out."""
    titles, descriptions = _texts(graph, subject, DCT.title), _texts(graph, subject,
                                                                     DCT.description)
    period = graph.value(subject, DCT.temporal)
    contact = graph.value(subject, DCAT.contactPoint)
    until = graph.value(subject, YL.licenseValidUntil)
    validity = {v: k for k, v in VALIDITY.items()}.get(graph.value(subject, YL.licenseValidity))
    return DatasetForm(
        title_zh=titles[0], title_en=titles[1], description=descriptions[0],
        description_en=descriptions[1],
        keywords=tuple(sorted(str(k) for k in graph.objects(subject, DCAT.keyword))),
        text_types=_codes(graph.objects(subject, YL.textType), "text-type"),
        domains=_codes(graph.objects(subject, YL.applicationDomain), "application-domain"),
        languages=_language_codes(graph.objects(subject, DCT.language)),
        files=_file_rows(graph, subject),
        licence=next(iter(_codes(graph.objects(subject, DCT.license), "licence")), ""),
        validity=validity or "", valid_until=_year(until),
        year_start=_year(graph.value(period, DCAT.startDate)) if period else None,
        year_end=_year(graph.value(period, DCAT.endDate)) if period else None,
        contact_name=_text(graph.value(contact, VCARD.fn)) if contact else "",
        contact_phone=_text(graph.value(contact, VCARD.hasTelephone)).removeprefix("tel:")
        if contact else "",
        contact_email=_mailbox(graph.value(contact, VCARD.hasEmail)) if contact else "",
        subject_languages=_language_codes(graph.objects(subject, DCT.subject)),
        linguistic_type=next(iter(_codes(graph.objects(subject, DCT.type),
                                         "olac-linguistic-type")), ""),
        contributors=_contributor_rows(graph, subject),
        access_condition=next(iter(_codes(graph.objects(subject, YL.accessCondition),
                                          "access-condition")), ""))


def _texts(graph: Graph, subject: URIRef, predicate: URIRef) -> tuple[str, str]:
    """The Chinese (or untagged) and English text of ``predicate``."""
    zh = en = ""
    for literal in sorted(graph.objects(subject, predicate), key=str):
        if not isinstance(literal, Literal):
            continue
        kind = _language_kind(literal)
        if kind == "zh" and not zh:
            zh = str(literal)
        elif kind == "en" and not en:
            en = str(literal)
    return zh, en


def _language_kind(literal: Literal) -> str | None:
    """"zh" for a zh-* or untagged literal, "en" for an en one, None for any other language
    (which the form leaves alone)."""
    tag = (literal.language or "").lower()
    if not tag or tag == "zh" or tag.startswith("zh-"):
        return "zh"
    if tag == "en" or tag.startswith("en-"):
        return "en"
    return None


def _codes(iris: Iterable[Node], scheme: str) -> tuple[str, ...]:
    known = {iri: code for code, iri in concepts(scheme).items()}
    return tuple(sorted(known[i] for i in iris if i in known))


def _language_codes(iris: Iterable[Node]) -> tuple[str, ...]:
    return tuple(sorted(str(i)[len(LEXVO):] for i in iris
                        if isinstance(i, URIRef) and str(i).startswith(LEXVO)))


def _year(value: Node | None) -> int | None:
    text = str(value or "")
    return int(text[:4]) if YEAR.match(text) else None


def _text(value: Node | None) -> str:
    return str(value) if value is not None else ""


def _mailbox(value: Node | None) -> str:
    from urllib.parse import unquote

    return unquote(_text(value).removeprefix("mailto:"))


def _file_rows(graph: Graph, subject: URIRef) -> tuple[FileRow, ...]:
    formats = {iri: name for name, iri in FORMATS.items()}
    rows = []
    for node in sorted(graph.objects(subject, DCAT.distribution), key=_natural):
        size = graph.value(node, DCAT.byteSize)
        rows.append(FileRow(_text(graph.value(node, DCT.title)),
                            formats.get(graph.value(node, DCAT.mediaType), ""),
                            int(size) if size is not None and str(size).isdigit() else None,
                            _fragment(node, subject)))
    return tuple(rows)


def _contributor_rows(graph: Graph, subject: URIRef) -> tuple[Contributor, ...]:
    roles = {iri: code for code, iri in concepts("olac-role").items()}
    rows = []
    for attribution in sorted(graph.objects(subject, PROV.qualifiedAttribution), key=_natural):
        agent, role = (graph.value(attribution, PROV.agent),
                       graph.value(attribution, DCAT.hadRole))
        name = graph.value(agent, FOAF.name) if agent is not None else None
        if name is not None and role in roles:
            rows.append(Contributor(str(name), roles[role]))
    return tuple(rows)


def _natural(node: Node) -> tuple:
    """Nodes in the order their names count (dist-2 before dist-10)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", str(node)))


def _fragment(node: Node, subject: URIRef) -> str:
    text = str(node)
    return text[len(subject) + 1:] if text.startswith(f"{subject}#") else ""


# -- writing a record --------------------------------------------------------------------------

def written(form: DatasetForm, graph: Graph, subject: URIRef) -> Graph:
    """A copy of ``graph`` whose statements the form carries about ``subject`` are the form's
    values; every other statement is kept. A value written as it was (the same text, the same
    year) keeps the exact literal it had (its language tag, its full date). Raises nothing."""
    out = Graph()
    for triple in graph:
        out.add(triple)
    old = form_of(graph, subject)
    _write_texts(out, subject, DCT.title, form.title_zh, form.title_en)
    _write_texts(out, subject, DCT.description, form.description, form.description_en)
    _replace(out, subject, DCAT.keyword, [_reused(graph, subject, DCAT.keyword, k, _tag(k))
                                          for k in form.keywords])
    for predicate, scheme, codes in (
            (YL.textType, "text-type", form.text_types),
            (YL.applicationDomain, "application-domain", form.domains),
            (DCT.license, "licence", (form.licence,) if form.licence else ()),
            (YL.accessCondition, "access-condition",
             (form.access_condition,) if form.access_condition else ()),
            (DCT.type, "olac-linguistic-type",
             (form.linguistic_type,) if form.linguistic_type else ())):
        _replace_codes(out, subject, predicate, scheme, codes)
    _replace(out, subject, DCT.language, [URIRef(LEXVO + c) for c in form.languages])
    _replace_languages(out, subject, DCT.subject, form.subject_languages)
    _write_validity(out, graph, subject, form, old)
    _write_period(out, subject, form)
    _write_contact(out, subject, form)
    _write_files(out, subject, form.files)
    if form.contributors != old.contributors:
        _write_contributors(out, subject, form.contributors)
    return out


def _tag(text: str) -> str:
    return ZH_TAG if CJK.search(text) else EN_TAG


def _reused(graph: Graph, subject: URIRef, predicate: URIRef, text: str, tag: str) -> Literal:
    """The literal ``subject`` already has for ``predicate`` with this text, else a new one
    tagged ``tag``."""
    for literal in graph.objects(subject, predicate):
        if isinstance(literal, Literal) and str(literal) == text:
            return literal
    return Literal(text, lang=tag)


def _same_text(graph: Graph, node: URIRef, predicate: URIRef, text: str) -> Literal | None:
    """The literal ``node`` has for ``predicate`` with this text (its tag kept), else a new
    untagged one; None for no text."""
    if not text:
        return None
    for literal in graph.objects(node, predicate):
        if isinstance(literal, Literal) and str(literal) == text:
            return literal
    return Literal(text)


def _replace(graph: Graph, subject: URIRef, predicate: URIRef, values: Iterable[Node]) -> None:
    graph.remove((subject, predicate, None))
    for value in values:
        graph.add((subject, predicate, value))


def _write_texts(graph: Graph, subject: URIRef, predicate: URIRef, zh: str, en: str) -> None:
    """The zh (or untagged) and en literals of ``predicate`` replaced; others kept."""
    kept = {"zh": None, "en": None}
    for literal in list(graph.objects(subject, predicate)):
        if isinstance(literal, Literal) and _language_kind(literal) in kept:
            kind = _language_kind(literal)
            if str(literal) == (zh if kind == "zh" else en) and kept[kind] is None:
                kept[kind] = literal
                continue
            graph.remove((subject, predicate, literal))
    for kind, text, tag in (("zh", zh, ZH_TAG), ("en", en, EN_TAG)):
        if text and kept[kind] is None:
            graph.add((subject, predicate, Literal(text, lang=tag)))


def _replace_codes(graph: Graph, subject: URIRef, predicate: URIRef, scheme: str,
                   codes: Iterable[str]) -> None:
    """The concepts of ``scheme`` that ``predicate`` points to replaced by ``codes``'; values
    outside the scheme kept."""
    known = concepts(scheme)
    for value in list(graph.objects(subject, predicate)):
        if value in known.values():
            graph.remove((subject, predicate, value))
    for code in codes:
        graph.add((subject, predicate, known[code]))


def _replace_languages(graph: Graph, subject: URIRef, predicate: URIRef,
                       codes: Iterable[str]) -> None:
    for value in list(graph.objects(subject, predicate)):
        if isinstance(value, URIRef) and str(value).startswith(LEXVO):
            graph.remove((subject, predicate, value))
    for code in codes:
        graph.add((subject, predicate, URIRef(LEXVO + code)))


def _write_validity(out: Graph, graph: Graph, subject: URIRef, form: DatasetForm,
                    old: DatasetForm) -> None:
    out.remove((subject, YL.licenseValidity, None))
    if form.validity:
        out.add((subject, YL.licenseValidity, VALIDITY[form.validity]))
    until = graph.value(subject, YL.licenseValidUntil)
    if form.valid_until is not None and form.valid_until == old.valid_until and until:
        return  # the same year: the date it had (which may be another day of it)
    out.remove((subject, YL.licenseValidUntil, None))
    if form.valid_until is not None:
        out.add((subject, YL.licenseValidUntil,
                 Literal(f"{form.valid_until:04d}-12-31", datatype=XSD.date)))


def _node(graph: Graph, subject: URIRef, predicate: URIRef, fragment: str) -> URIRef:
    found = graph.value(subject, predicate)
    return found if isinstance(found, URIRef) else URIRef(f"{subject}#{fragment}")


def _write_period(graph: Graph, subject: URIRef, form: DatasetForm) -> None:
    period = _node(graph, subject, DCT.temporal, "period")
    for predicate, year in ((DCAT.startDate, form.year_start), (DCAT.endDate, form.year_end)):
        graph.remove((period, predicate, None))
        if year is not None:
            graph.add((period, predicate, Literal(f"{year:04d}", datatype=XSD.gYear)))
    if form.year_start is None and form.year_end is None:
        _drop_if_bare(graph, subject, DCT.temporal, period, DCT.PeriodOfTime)
    else:
        graph.add((subject, DCT.temporal, period))
        graph.add((period, RDF_.type, DCT.PeriodOfTime))


def _write_contact(graph: Graph, subject: URIRef, form: DatasetForm) -> None:
    contact = _node(graph, subject, DCAT.contactPoint, "contact")
    phone = _telephone(form.contact_phone) if form.contact_phone else None
    email = (URIRef("mailto:" + quote(form.contact_email, safe="@.+-_%!$&'*=?~"))
             if form.contact_email else None)
    old_phone = graph.value(contact, VCARD.hasTelephone)
    if phone is not None and old_phone is not None and (
            str(old_phone).removeprefix("tel:") == form.contact_phone):
        phone = old_phone  # as it was written
    name = _same_text(graph, contact, VCARD.fn, form.contact_name)
    for predicate, value in ((VCARD.fn, name), (VCARD.hasTelephone, phone),
                             (VCARD.hasEmail, email)):
        graph.remove((contact, predicate, None))
        if value is not None:
            graph.add((contact, predicate, value))
    if not (form.contact_name or phone or email):
        _drop_if_bare(graph, subject, DCAT.contactPoint, contact, VCARD.Kind)
    else:
        graph.add((subject, DCAT.contactPoint, contact))
        graph.add((contact, RDF_.type, VCARD.Kind))


def _drop_if_bare(graph: Graph, subject: URIRef, predicate: URIRef, node: URIRef,
                  kind: URIRef) -> None:
    """The link to ``node`` removed, and ``node`` with it when nothing but its type is left."""
    if set(graph.predicate_objects(node)) <= {(RDF_.type, kind)}:
        graph.remove((node, None, None))
        graph.remove((subject, predicate, node))


def _write_files(graph: Graph, subject: URIRef, rows: Sequence[FileRow]) -> None:
    """Each row on its node (the node it came from, else a new ``#dist-N``; an uploaded
    file's node is left as its bytes made it); files no longer in the form removed with
    everything said of them (an uploaded file's checksum and columns too)."""
    existing = {_fragment(n, subject): n for n in graph.objects(subject, DCAT.distribution)}
    kept = {row.node for row in rows if row.node in existing}
    for fragment, node in existing.items():
        if fragment not in kept:
            remove_file(graph, subject, node)
    taken = set(existing)
    for row in rows:
        if row.node in kept:
            node = existing[row.node]
            if (node, SPDX.checksum, None) in graph:
                continue  # an uploaded file: its name, format and size are its bytes'
        else:
            node = URIRef(f"{subject}#{_free(taken, 'dist')}")
            taken.add(_fragment(node, subject))
        graph.add((subject, DCAT.distribution, node))
        graph.add((node, RDF_.type, DCAT.Distribution))
        _set_file(graph, node, row)


def _set_file(graph: Graph, node: URIRef, row: FileRow) -> None:
    name = _same_text(graph, node, DCT.title, row.name)
    graph.remove((node, DCT.title, None))
    if name is not None:
        graph.add((node, DCT.title, name))
    media = FORMATS.get(row.format)
    had_format = (node, DCT.format, None) in graph or (node, DCAT.mediaType, None) not in graph
    for predicate in (DCAT.mediaType, DCT.format):
        graph.remove((node, predicate, None))
    if media is not None:
        graph.add((node, DCAT.mediaType, media))
        if had_format:
            graph.add((node, DCT.format, media))
    graph.remove((node, DCAT.byteSize, None))
    if row.byte_size is not None:
        graph.add((node, DCAT.byteSize, Literal(row.byte_size, datatype=XSD.nonNegativeInteger)))


def _free(taken: set[str], stem: str) -> str:
    number = 1
    while f"{stem}-{number}" in taken:
        number += 1
    return f"{stem}-{number}"


def _write_contributors(graph: Graph, subject: URIRef, rows: Sequence[Contributor]) -> None:
    """The attributions replaced by ``rows``; an agent of the same name is reused (so an
    agent that is also ``dct:creator`` stays one node); an agent nothing points to any more
    is removed."""
    agents = {}
    for attribution in list(graph.objects(subject, PROV.qualifiedAttribution)):
        agent = graph.value(attribution, PROV.agent)
        if agent is not None:
            agents.setdefault(str(graph.value(agent, FOAF.name) or ""), agent)
        graph.remove((attribution, None, None))
        graph.remove((subject, PROV.qualifiedAttribution, attribution))
    for agent in list(graph.objects(subject, DCT.contributor)):
        agents.setdefault(str(graph.value(agent, FOAF.name) or ""), agent)
        graph.remove((subject, DCT.contributor, agent))
    taken = {_fragment(n, subject) for n in graph.all_nodes()} - {""}
    for row in rows:
        agent = agents.get(row.name)
        if agent is None:
            agent = URIRef(f"{subject}#{_free(taken, 'agent')}")
            taken.add(_fragment(agent, subject))
            agents[row.name] = agent
            graph.add((agent, RDF_.type, FOAF.Agent))
            graph.add((agent, FOAF.name, Literal(row.name)))
        attribution = URIRef(f"{subject}#{_free(taken, 'attribution')}")
        taken.add(_fragment(attribution, subject))
        graph.add((subject, PROV.qualifiedAttribution, attribution))
        graph.add((attribution, RDF_.type, PROV.Attribution))
        graph.add((attribution, PROV.agent, agent))
        graph.add((attribution, DCAT.hadRole, concept("olac-role", row.role)))
        if (subject, DCT.creator, agent) not in graph:
            graph.add((subject, DCT.contributor, agent))
    for agent in set(agents.values()):
        if not any(True for _ in graph.subject_predicates(agent)):
            graph.remove((agent, None, None))


def with_agency(graph: Graph, subject: URIRef, agency: URIRef, name_zh: str,
                name_en: str, code: str) -> Graph:
    """``graph`` with ``agency`` as ``subject``'s publisher (the account's agency: never a
    field of the form), described by its names as the demo records describe theirs when the
    record does not describe it yet. Changes ``graph`` and returns it."""
    graph.set((subject, DCT.publisher, agency))
    if (agency, FOAF.name, None) not in graph:
        graph.add((agency, RDF_.type, FOAF.Organization))
        graph.add((agency, FOAF.name, Literal(name_zh, lang=ZH_TAG)))
        if name_en:
            graph.add((agency, FOAF.name, Literal(name_en, lang=EN_TAG)))
        graph.add((agency, DCT.identifier, Literal(code)))
    return graph


def new_description(subject: URIRef, local_id: str) -> Graph:
    """The statements every dataset made through the form starts with: its types and its
    identifier (the workflow renames them when it gives the record its id)."""
    graph = Graph()
    graph.add((subject, RDF_.type, DCAT.Dataset))
    graph.add((subject, RDF_.type, YL.CorpusDataset))
    graph.add((subject, DCT.type, DCMITYPE.Text))  # the form's datasets are texts (文本)
    graph.add((subject, DCT.identifier, Literal(local_id)))
    return graph


# -- where a check's result belongs -----------------------------------------------------------

#: The form field a SHACL result is shown at, by the last step of its path (a compact name).
PATH_FIELDS = {
    "dct:title": "title_zh", "dct:description": "description", "dcat:keyword": "keywords",
    "yl:textType": "text_types", "yl:applicationDomain": "domains",
    "dct:language": "languages", "dct:license": "licence", "yl:licenseValidity": "validity",
    "yl:licenseValidUntil": "valid_until", "dct:temporal": "years",
    "dcat:startDate": "years", "dcat:endDate": "years", "dct:publisher": "agency",
    "foaf:name": "agency", "dcat:contactPoint": "contact_name", "vcard:fn": "contact_name",
    "vcard:hasTelephone": "contact_phone", "vcard:hasEmail": "contact_email",
    "dcat:distribution": "files", "dcat:mediaType": "files", "dcat:byteSize": "files",
    "dct:subject": "subject_languages", "dct:type": "linguistic_type",
    "prov:qualifiedAttribution": "contributors", "dcat:hadRole": "contributors",
    "prov:agent": "contributors", "dct:contributor": "contributors",
    "yl:accessCondition": "access_condition",
}


def field_of(path: str) -> str | None:
    """The field a result about ``path`` belongs to (``dct:temporal/dcat:startDate`` →
    ``years``; a node-level result naming several paths: the first's); None for a result the
    form has no field for (it is shown above the form)."""
    first = path.split(",")[0].strip()
    last = first.split("/")[-1].strip("()*+?^")
    return PATH_FIELDS.get(last)


# -- checking a filled form --------------------------------------------------------------------

@dataclass(frozen=True)
class Hint:
    """What would raise the OLAC quality score: the component it adds to, the field to fill
    (None: no one field), said in both languages."""

    part: str
    field: str | None
    message_zh: str
    message_en: str


@dataclass(frozen=True)
class Checked:
    """A record checked as the form shows it: every SHACL result (from the same shapes and
    validator as import and submission), its OLAC quality score (None when it cannot be
    rendered as OLAC yet) and what would raise that score."""

    violations: list[Violation]
    quality: float | None
    hints: list[Hint]

    @property
    def conforms(self) -> bool:
        return not any(v.is_failure for v in self.violations)


#: A hint for each component of the OLAC quality score (repository.quality).
HINTS = {
    "title": ("title_zh", "填寫資料集名稱", "give the dataset a title"),
    "date": ("years", "填寫發佈年份", "give the publication years"),
    "agent": ("contributors", "加入貢獻者", "name a contributor"),
    "about": ("description", "填寫資料集描述", "describe the dataset"),
    "depth": (None, "多填寫幾個欄位", "fill in more of the fields"),
    "content_language": ("languages", "選擇內容語言", "choose the languages of the content"),
    "linguistic_type": ("linguistic_type", "選擇 OLAC 語言學類型",
                        "choose the OLAC linguistic type"),
    "subject_language": ("subject_languages", "加入主題語言（資料所談論的語言）",
                         "add the subject languages (the languages the data is about)"),
    "dcmi_type": (None, "標明 DCMI 資源類型", "give the DCMI resource type"),
    "precision": ("contributors", "為貢獻者標明 OLAC 角色，並註明檔案格式",
                  "give contributors their OLAC roles and files their formats"),
}


@cache
def _validator() -> Validator:
    return Validator()


def checked(graph: Graph, local_id: str, subject: URIRef) -> Checked:
    """``graph`` (a record's, ``subject`` its resource) validated against the shapes, scored,
    with the hints that would raise its score. Raises RepositoryError when validation itself
    fails (a broken shapes graph), StoreError never (nothing is read or written)."""
    violations = _validator().validate(local_id, restore_byte_sizes(graph))
    parts = record_quality_parts(graph, subject)
    if parts is None:
        return Checked(violations, None, [])
    hints = [Hint(part, *HINTS[part]) for part, value in parts.items()
             if value < 1 and part in HINTS]
    return Checked(violations, round(sum(parts.values()), 2), hints)
