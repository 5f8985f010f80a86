"""OLAC 1.1 metadata ⇄ canonical RDF (docs/data-model.md, "OLAC semantics in RDF").

Reading (:func:`olac_to_graph`) keeps all five parts of every element (tag, content,
``xml:lang``, ``xsi:type``, ``olac:code``). Nodes that belong to the record are hash IRIs
``{subject}#agent-n``, ``#attribution-n``, ``#statement-n``, ``#language-n``, ``#concept-n``,
each kind numbered from 1 in document order, so the same XML always gives the same graph.

Documented normalisations on reading (nothing else is changed, nothing is dropped):

* Content is stripped of leading and trailing white space. Inner white space is kept
  (PARADISEC's multi-line ``dc:format`` tape notes are content, not padding).
* Language codes go through :func:`vocab.languages.resolve`: ISO 639-1 and upper-case codes
  become the lower-case ISO 639-3 code (``en`` → ``eng``); unknown, retired and local-use codes
  raise InputError naming the element and the code.
* OLAC 1.0 and 1.0b1 are migrated to 1.1: the namespace, the unqualified ``code`` attribute,
  ``x-sil-XXX`` (Ethnologue 14) codes through :data:`SIL_CODES`, 1.0b1's
  ``olac:date code="created" date="…"`` → ``dcterms:created`` W3CDTF, and Academia Sinica's
  ``as-formosan:language code="Amis"`` → ``olac:language`` ``ami`` with the original name kept as
  the statement label. A legacy code outside the OLAC 1.1 code list (Magoria's
  ``linguistic-field`` ``language_description``) cannot be written in valid OLAC 1.1: it becomes
  an uncoded concept node that keeps the code as ``skos:notation``. In a 1.1 record the same
  code raises InputError.
* DCMI Terms refinements written in the ``dc:`` namespace (``dc:created``, ``dc:tableOfContents``
  in PARADISEC's 2011 records) are read as the ``dcterms:`` term; ``dcterms:title`` and the other
  fifteen elements in the ``dcterms:`` namespace are read as the ``dc:`` element.
* A ``dcterms:DCMIType`` value is matched without regard to case (Kaipuleohone's ``sound`` →
  ``dcmitype:Sound``). A ``dcterms:W3CDTF`` value that is not a W3CDTF date (``n.d.``) is kept as
  a plain literal (written back without the xsi:type, as OLAC's best practice asks).
* ``xml:lang`` is inherited from the enclosing elements; it is kept on plain literals, agent
  names and statement/concept labels, and dropped where it cannot ride (typed literals, IRIs,
  codes without content).

Writing (:func:`graph_to_olac`) is the inverse; elements are ordered so that reading the output
numbers the hash nodes exactly as in the graph (RDF → OLAC → RDF is isomorphic). For a local
corpus dataset (``yl:CorpusDataset``) it also writes the seed-001 fields (see
:func:`_dataset_entries`); contact details (phone, e-mail) are never written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from lxml import etree
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.term import Node

from repository.errors import InputError
from repository.triples import TripleIndex
from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import (
    DC15,
    DCAT,
    DCMITYPE,
    DCT,
    DCT_REFINEMENTS,
    DCT_SCHEMES,
    FOAF,
    LEXVO,
    PROV,
    RDF_,
    RDFS,
    SKOS,
    VOCAB_BASE,
    XSD,
    YL,
    concept,
    lexvo,
)

OLAC_NS = "http://www.language-archives.org/OLAC/1.1/"
OLAC_LEGACY_NS = {
    "http://www.language-archives.org/OLAC/1.0/": "1.0",
    "http://www.language-archives.org/OLAC/1.0b1/": "1.0b1",
    "http://www.language-archives.org/OLAC/1.0b1/olac.xsd": "1.0b1",
}
AS_FORMOSAN_NS = "http://www.ling.sinica.edu.tw/Formosan/as-formosan.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_TYPE = f"{{{XSI_NS}}}type"
OLAC_CODE = f"{{{OLAC_NS}}}code"
SCHEMA_LOCATION = f"{OLAC_NS} {OLAC_NS}olac.xsd"


def _words(text: str) -> frozenset[str]:
    """The code list written as space-separated words."""
    return frozenset(text.split())


NSMAP = {"olac": OLAC_NS, "dc": DC_NS, "dcterms": DCTERMS_NS, "xsi": XSI_NS}
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"

ROLES = _words(
    "annotator author compiler consultant data_inputter depositor developer editor illustrator "
    "interpreter interviewer participant performer photographer recorder researcher "
    "research_participant responder signer singer speaker sponsor transcriber translator"
)
LINGUISTIC_TYPES = _words("language_description lexicon primary_text")
LINGUISTIC_FIELDS = _words(
    "anthropological_linguistics applied_linguistics cognitive_science computational_linguistics "
    "discourse_analysis forensic_linguistics general_linguistics historical_linguistics "
    "history_of_linguistics language_acquisition language_documentation lexicography "
    "linguistics_and_literature linguistic_theories mathematical_linguistics morphology "
    "neurolinguistics philosophy_of_language phonetics phonology pragmatics psycholinguistics "
    "semantics sociolinguistics syntax text_and_corpus_linguistics translating_and_interpreting "
    "typology writing_systems"
)
DISCOURSE_TYPES = _words(
    "dialogue drama formulaic ludic oratory narrative procedural report singing "
    "unintelligible_speech"
)
#: OLAC extension → (its code list, the DC elements it may qualify).
EXTENSIONS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "role": (ROLES, frozenset({"contributor", "creator"})),
    "linguistic-type": (LINGUISTIC_TYPES, frozenset({"type"})),
    "linguistic-field": (LINGUISTIC_FIELDS, frozenset({"subject"})),
    "discourse-type": (DISCOURSE_TYPES, frozenset({"type", "subject"})),
}
LANGUAGE_ELEMENTS = frozenset({"language", "subject"})
AGENT_ELEMENTS = frozenset({"creator", "contributor", "publisher"})

#: Ethnologue 14 codes used by OLAC 1.0 (``x-sil-XXX``) → ISO 639-3. Not simply lower-cased:
#: Ethnologue's CRB (Carib, Galibi) is ISO ``car`` (``crb`` is Island Carib) and BAN
#: (Bamileke-Dschang) is ``ybb`` (``ban`` is Balinese). Each target checked with python-iso639.
SIL_CODES = {"x-sil-CRB": "car", "x-sil-BAN": "ybb", "x-sil-SKY": "sky"}

#: Academia Sinica ``as-formosan:language`` names → ISO 639-3.
FORMOSAN_NAMES = {
    "amis": "ami", "atayal": "tay", "paiwan": "pwn", "bunun": "bnn", "puyuma": "pyu",
    "rukai": "dru", "tsou": "tsu", "saisiyat": "xsy", "yami": "tao", "tao": "tao",
    "thao": "ssf", "kavalan": "ckv", "truku": "trv", "seediq": "trv", "sediq": "trv",
    "sakizaya": "szy", "saaroa": "sxr", "kanakanavu": "xnb", "kanakanabu": "xnb",
    "siraya": "fos", "babuza": "bzg", "pazeh": "pzh", "kulon": "uon",
}

LITERAL_SCHEMES = frozenset(DCT_SCHEMES) - {"URI", "DCMIType"}
_DCMI_TYPES = {iri[len(DCMITYPE.base):].lower(): iri for iri in DCMITYPE}
_TZ = r"(Z|[+-]\d{2}:\d{2})?"
_W3CDTF = re.compile(
    rf"-?\d{{4,}}{_TZ}|-?\d{{4,}}-(0[1-9]|1[0-2]){_TZ}|-?\d{{4,}}-(0[1-9]|1[0-2])-\d{{2}}{_TZ}"
    rf"|-?\d{{4,}}-(0[1-9]|1[0-2])-\d{{2}}T\d{{2}}:\d{{2}}:\d{{2}}(\.\d+)?{_TZ}"
)
_IRI_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`]')
_NUMBERED = re.compile(r"#(agent|statement|language|concept)-(\d+)$")
_TAG_ORDER = {name: index for index, name in enumerate(DC15 + DCT_REFINEMENTS)}


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class OlacElement:
    """The five parts of one OLAC element, after the documented normalisations."""

    term: str  # the dct: property name (title, created, …)
    scheme: tuple[str, str] | None  # ("olac"|"dcterms"|"as-formosan"|"legacy-date", name)
    code: str | None
    lang: str | None
    text: str
    label: str  # how errors name it: "dc:language (line 12)"
    date: str | None = None  # 1.0b1 olac:date's date attribute


@dataclass
class _Reader:
    """Accumulates the graph of one record and numbers its hash nodes in document order."""

    subject: URIRef
    legacy: bool
    graph: Graph | TripleIndex = field(default_factory=Graph)
    counters: dict[str, int] = field(default_factory=dict)

    def node(self, kind: str) -> URIRef:
        """The next hash node of ``kind`` (agent, attribution, statement, language, concept)."""
        self.counters[kind] = self.counters.get(kind, 0) + 1
        return URIRef(f"{self.subject}#{kind}-{self.counters[kind]}")

    def fail(self, element: OlacElement, message: str) -> InputError:
        """An InputError about ``element`` of this record."""
        return InputError(
            f"{element.label}: {message}", record=str(self.subject),
            field=element.label.split(" ")[0],
        )


def olac_to_graph(olac: etree._Element, subject: URIRef,
                  into: Graph | TripleIndex | None = None) -> Graph | TripleIndex:
    """The canonical RDF of an ``olac:olac`` element (OLAC 1.1, 1.0 or 1.0b1) about ``subject``,
    added to ``into`` (by default a new rdflib Graph; imports pass a :class:`TripleIndex`, about
    ten times cheaper to fill) and returned.

    Raises InputError naming the element (and the code) for anything it cannot map: an unknown
    element, attribute or xsi:type, a code outside its code list, an unknown or retired
    language code, a URI with spaces, child elements inside an element.
    """
    version = olac_version(olac)
    reader = _Reader(subject, legacy=version != "1.1", graph=Graph() if into is None else into)
    reader.graph.add((subject, RDF.type, DCAT.Dataset))
    reader.graph.add((subject, RDF.type, YL.LanguageResource))
    for child in olac:
        if isinstance(child.tag, str):
            _map_element(reader, _read_element(child, reader))
    return reader.graph


def olac_version(olac: etree._Element) -> str:
    """"1.1", "1.0" or "1.0b1" by the root's namespace; raises InputError for any other root."""
    qname = etree.QName(olac)
    if qname.localname == "olac" and qname.namespace == OLAC_NS:
        return "1.1"
    if qname.localname == "olac" and qname.namespace in OLAC_LEGACY_NS:
        return OLAC_LEGACY_NS[qname.namespace]
    raise InputError(f"expected an olac:olac element, found {olac.tag}")


def _read_element(element: etree._Element, reader: _Reader) -> OlacElement:
    """The five parts of ``element``; raises InputError for unexpected markup."""
    qname = etree.QName(element)
    label = f"{_prefix(qname.namespace)}:{qname.localname} (line {element.sourceline})"
    term = _term(qname, label, reader)
    if len(element):
        raise InputError(f"{label}: child elements are not allowed", record=str(reader.subject))
    scheme = _scheme(element, label, reader)
    code, date = _code_and_date(element, scheme, label, reader)
    return OlacElement(
        term=term, scheme=scheme, code=code, lang=_lang(element), text=(element.text or "").strip(),
        label=label, date=date,
    )


def _prefix(namespace: str | None) -> str:
    return {DC_NS: "dc", DCTERMS_NS: "dcterms"}.get(namespace or "", namespace or "")


def _term(qname: etree.QName, label: str, reader: _Reader) -> str:
    """The dct: property name of an element tag; raises InputError for any other element."""
    name = qname.localname
    if qname.namespace in (DC_NS, DCTERMS_NS) and name in DC15:
        return name
    if qname.namespace in (DC_NS, DCTERMS_NS) and name in DCT_REFINEMENTS:
        return name
    raise InputError(
        f"{label}: not a Dublin Core element or DCMI refinement OLAC allows",
        record=str(reader.subject), field=f"{{{qname.namespace}}}{name}",
    )


def _scheme(element: etree._Element, label: str, reader: _Reader) -> tuple[str, str] | None:
    """The resolved ``xsi:type`` as (vocabulary, name), or None; raises InputError if unknown."""
    value = element.get(XSI_TYPE)
    if value is None:
        return None
    prefix, _, name = value.strip().rpartition(":")
    namespace = element.nsmap.get(prefix or None) or {"olac": OLAC_NS, "dcterms": DCTERMS_NS}.get(
        prefix
    )
    if namespace == DCTERMS_NS:
        return ("dcterms", name)
    if namespace == OLAC_NS or namespace in OLAC_LEGACY_NS:
        return ("olac", name)
    if namespace == AS_FORMOSAN_NS:
        return ("as-formosan", name)
    raise InputError(
        f"{label}: unknown xsi:type {value!r}", record=str(reader.subject), field=label.split()[0]
    )


def _code_and_date(
    element: etree._Element, scheme: tuple[str, str] | None, label: str, reader: _Reader
) -> tuple[str | None, str | None]:
    """``olac:code`` (or a legacy unqualified ``code``) and 1.0b1's ``date``.

    Raises InputError for any attribute besides xsi:type, olac:code and xml:lang.
    """
    allowed = {XSI_TYPE, XML_LANG, OLAC_CODE} | {f"{{{ns}}}code" for ns in OLAC_LEGACY_NS}
    if reader.legacy or (scheme and scheme[0] == "as-formosan"):
        allowed |= {"code", "date"}
    unknown = sorted(set(element.attrib) - allowed)
    if unknown:
        raise InputError(
            f"{label}: unexpected attribute {unknown[0]!r}", record=str(reader.subject),
            field=label.split()[0],
        )
    codes = [value for key, value in element.attrib.items() if etree.QName(key).localname == "code"]
    code = codes[0].strip() if codes else None
    return code, element.get("date")


def _lang(element: etree._Element) -> str | None:
    """The effective xml:lang of ``element`` (inherited from its ancestors)."""
    for node in (element, *element.iterancestors()):
        if node.get(XML_LANG):
            return node.get(XML_LANG).strip() or None
    return None


def _map_element(reader: _Reader, element: OlacElement) -> None:
    """Adds the triples of one element; raises InputError when it cannot be mapped."""
    if element.scheme is None:
        _map_plain(reader, element)
    elif element.scheme[0] == "dcterms":
        _map_dcterms_scheme(reader, element)
    elif element.scheme == ("olac", "language") or element.scheme == ("as-formosan", "language"):
        _map_language(reader, element)
    elif element.scheme == ("olac", "role"):
        _map_agent(reader, element)
    elif element.scheme == ("olac", "date") and reader.legacy:
        _map_legacy_date(reader, element)
    elif element.scheme[0] == "olac" and element.scheme[1] in EXTENSIONS:
        _map_extension(reader, element)
    else:
        raise reader.fail(element, f"cannot map xsi:type {':'.join(element.scheme)!r}")


def _map_plain(reader: _Reader, element: OlacElement) -> None:
    if element.code is not None:
        raise reader.fail(element, "olac:code without xsi:type")
    if element.term in AGENT_ELEMENTS:
        _map_agent(reader, element)
        return
    reader.graph.add((reader.subject, DCT[element.term], _plain(element)))


def _plain(element: OlacElement) -> Literal:
    return Literal(element.text, lang=element.lang)


def _map_dcterms_scheme(reader: _Reader, element: OlacElement) -> None:
    """URI → IRI, DCMIType → dcmitype:, other DCMI schemes → typed literal."""
    name = element.scheme[1]
    if element.code is not None:
        raise reader.fail(element, f"olac:code is not allowed with xsi:type dcterms:{name}")
    if name == "URI":
        value: Node = _iri(reader, element)
    elif name == "DCMIType":
        value = _dcmi_type(reader, element)
    elif name == "W3CDTF" and not _W3CDTF.fullmatch(element.text):
        value = _plain(element)
    elif name in LITERAL_SCHEMES:
        _check_language_scheme(reader, element, name)
        value = Literal(element.text, datatype=DCT[name])
    else:
        raise reader.fail(element, f"unknown encoding scheme dcterms:{name}")
    reader.graph.add((reader.subject, DCT[element.term], value))


def _iri(reader: _Reader, element: OlacElement) -> URIRef:
    if not element.text or _IRI_FORBIDDEN.search(element.text):
        raise reader.fail(element, f"{element.text!r} is not a URI (xsi:type dcterms:URI)")
    return URIRef(element.text)


def _dcmi_type(reader: _Reader, element: OlacElement) -> URIRef:
    try:
        return _DCMI_TYPES[element.text.lower()]
    except KeyError:
        raise reader.fail(element, f"{element.text!r} is not a DCMI type") from None


def _check_language_scheme(reader: _Reader, element: OlacElement, name: str) -> None:
    if name in ("ISO639-2", "ISO639-3"):
        _language_info_code(reader, element, element.text)


def _language_info_code(reader: _Reader, element: OlacElement, code: str) -> str:
    """The ISO 639-3 code for ``code``; raises InputError naming the element and the code."""
    try:
        return resolve(code).code
    except LanguageCodeError as error:
        raise reader.fail(element, f"language code {code!r}: {error}") from error


def _map_language(reader: _Reader, element: OlacElement) -> None:
    """``olac:language`` (and ``as-formosan:language``) on dc:language or dc:subject."""
    if element.term not in LANGUAGE_ELEMENTS:
        raise reader.fail(element, "olac:language is only mapped on dc:language and dc:subject")
    predicate = DCT[element.term]
    if not element.code:
        node = reader.node("language")
        reader.graph.add((reader.subject, predicate, node))
        reader.graph.add((node, RDF.type, DCT.LinguisticSystem))
        _add_label(reader.graph, node, element)
        return
    if element.scheme == ("as-formosan", "language"):
        code, label = _formosan_code(reader, element), element.text or element.code
    else:
        code, label = _language_code(reader, element), element.text
    _add_coded(reader, element, predicate, lexvo(code), label)


def _language_code(reader: _Reader, element: OlacElement) -> str:
    code = element.code or ""
    if reader.legacy and code in SIL_CODES:
        code = SIL_CODES[code]
    elif code.lower().startswith("x-sil-"):
        raise reader.fail(element, f"no ISO 639-3 mapping for the Ethnologue code {code!r}")
    return _language_info_code(reader, element, code)


def _formosan_code(reader: _Reader, element: OlacElement) -> str:
    try:
        return FORMOSAN_NAMES[(element.code or "").lower()]
    except KeyError:
        raise reader.fail(element, f"unknown as-formosan language {element.code!r}") from None


def _add_coded(
    reader: _Reader, element: OlacElement, predicate: URIRef, value: URIRef, label: str
) -> None:
    """The coded triple, plus a statement node carrying content written beside the code."""
    reader.graph.add((reader.subject, predicate, value))
    if not label:
        return
    statement = reader.node("statement")
    for triple in (
        (statement, RDF.type, RDF_.Statement), (statement, RDF_.subject, reader.subject),
        (statement, RDF_.predicate, predicate), (statement, RDF_.object, value),
        (statement, RDFS.label, Literal(label, lang=element.lang)),
    ):
        reader.graph.add(triple)


def _add_label(graph: Graph | TripleIndex, node: URIRef, element: OlacElement) -> None:
    if element.text:
        graph.add((node, RDFS.label, _plain(element)))


def _map_agent(reader: _Reader, element: OlacElement) -> None:
    """A creator/contributor/publisher: an agent node, with a qualified attribution for a role."""
    if element.scheme and element.term not in EXTENSIONS["role"][1]:
        raise reader.fail(element, "olac:role is only mapped on dc:contributor and dc:creator")
    agent = reader.node("agent")
    reader.graph.add((reader.subject, DCT[element.term], agent))
    reader.graph.add((agent, RDF.type, FOAF.Agent))
    if element.text:
        reader.graph.add((agent, FOAF.name, _plain(element)))
    if element.scheme is None:
        return
    attribution = reader.node("attribution")
    reader.graph.add((reader.subject, PROV.qualifiedAttribution, attribution))
    reader.graph.add((attribution, RDF.type, PROV.Attribution))
    reader.graph.add((attribution, PROV.agent, agent))
    if element.code:
        role = _checked_code(reader, element, "role")
        reader.graph.add((attribution, DCAT.hadRole, concept("olac-role", role)))


def _checked_code(reader: _Reader, element: OlacElement, extension: str) -> str:
    code = element.code or ""
    if code not in EXTENSIONS[extension][0]:
        raise reader.fail(element, f"{code!r} is not an olac:{extension} code")
    return code


def _map_extension(reader: _Reader, element: OlacElement) -> None:
    """linguistic-type, linguistic-field, discourse-type: a concept IRI, or a concept node."""
    extension = element.scheme[1]
    codes, elements = EXTENSIONS[extension]
    if element.term not in elements:
        raise reader.fail(element, f"olac:{extension} is not mapped on this element")
    predicate = DCT[element.term]
    if element.code and (element.code in codes or not reader.legacy):
        code = _checked_code(reader, element, extension)
        _add_coded(reader, element, predicate, concept(f"olac-{extension}", code), element.text)
        return
    node = reader.node("concept")
    reader.graph.add((reader.subject, predicate, node))
    reader.graph.add((node, RDF.type, SKOS.Concept))
    reader.graph.add((node, SKOS.inScheme, URIRef(f"{VOCAB_BASE}olac-{extension}")))
    _add_label(reader.graph, node, element)
    if element.code:  # a legacy code outside the 1.1 list: kept, but not as a concept IRI
        reader.graph.add((node, SKOS.notation, Literal(element.code)))


def _map_legacy_date(reader: _Reader, element: OlacElement) -> None:
    """OLAC 1.0b1 ``<date xsi:type="olac:date" code="created" date="…"/>`` → dcterms:created."""
    refinement = element.code or "date"
    if refinement not in DCT_REFINEMENTS and refinement != "date":
        raise reader.fail(element, f"unknown olac:date refinement {refinement!r}")
    value = (element.date or element.text or "").strip()
    datatype = DCT.W3CDTF if _W3CDTF.fullmatch(value) else None
    reader.graph.add((reader.subject, DCT[refinement], Literal(value, datatype=datatype)))


# --------------------------------------------------------------------------- writing


@dataclass(frozen=True)
class Entry:
    """One element to write: tag, attributes, content, and its place in the output order."""

    tag: str  # dct: property name
    text: str = ""
    lang: str | None = None
    xsi_type: str | None = None
    code: str | None = None
    number: int = 0  # the number of the hash node it writes, so re-reading numbers it alike

    def sort_key(self) -> tuple:
        """Hash-node number first (re-reading numbers the nodes alike), then the element
        order, then every attribute: entries equal up to the text (the language codes of
        ``dc:subject``) would otherwise come in the graph's iteration order, which changes
        from process to process."""
        return (self.number, _TAG_ORDER.get(self.tag, 99), self.xsi_type or "", self.text,
                self.code or "", self.lang or "")


def graph_to_olac(graph: Graph, subject: URIRef) -> etree._Element:
    """A standalone ``<olac:olac>`` element for ``subject`` described in ``graph``.

    Raises InputError when the graph says nothing about ``subject``.
    """
    entries = list(_entries(graph, subject))
    if not entries:
        raise InputError(f"the graph has no metadata about {subject}", record=str(subject))
    olac = etree.Element(f"{{{OLAC_NS}}}olac", nsmap=NSMAP)
    olac.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    for entry in sorted(set(entries), key=Entry.sort_key):
        _write(olac, entry)
    return olac


def olac_bytes(graph: Graph, subject: URIRef) -> bytes:
    """:func:`graph_to_olac` serialised: UTF-8, indented, with an XML declaration."""
    return etree.tostring(
        graph_to_olac(graph, subject), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


def _write(olac: etree._Element, entry: Entry) -> None:
    namespace = DC_NS if entry.tag in DC15 else DCTERMS_NS
    element = etree.SubElement(olac, f"{{{namespace}}}{entry.tag}")
    if entry.xsi_type:
        element.set(XSI_TYPE, entry.xsi_type)
    if entry.code:
        element.set(OLAC_CODE, entry.code)
    if entry.lang:
        element.set(XML_LANG, entry.lang)
    if entry.text:
        element.text = entry.text


def _entries(graph: Graph, subject: URIRef) -> Iterator[Entry]:
    for predicate, value in graph.predicate_objects(subject):
        if predicate in DCT and DCT.local(predicate) in _TAG_ORDER:
            yield from _value_entries(graph, subject, DCT.local(predicate), value)
    if (subject, RDF.type, YL.CorpusDataset) in graph:
        yield from _dataset_entries(graph, subject)


def _value_entries(graph: Graph, subject: URIRef, tag: str, value: Node) -> Iterator[Entry]:
    """The elements that write ``subject dct:{tag} value``."""
    if isinstance(value, Literal):
        yield _literal_entry(tag, value)
        return
    if not isinstance(value, URIRef):
        return  # blank nodes carry nothing OLAC can cite
    hash_kind = _hash_kind(subject, value)
    if hash_kind == "agent" or (graph.value(value, FOAF.name) and tag in AGENT_ELEMENTS):
        yield from _agent_entries(graph, subject, tag, value)
    elif hash_kind in ("language", "concept"):
        yield _node_entry(graph, tag, value, hash_kind)
    elif str(value).startswith(LEXVO):
        yield from _coded_entries(graph, subject, tag, value, "olac:language", value[len(LEXVO):])
    elif _olac_concept(value):
        extension, code = _olac_concept(value)
        yield from _coded_entries(graph, subject, tag, value, f"olac:{extension}", code)
    elif value in DCMITYPE:
        yield Entry(tag, DCMITYPE.local(value), xsi_type="dcterms:DCMIType")
    elif graph.value(value, DCAT.startDate) or graph.value(value, DCAT.endDate):
        yield _period_entry(graph, tag, value)
    elif str(value).startswith(VOCAB_BASE):
        yield from _local_concept_entries(tag, value)
    else:
        yield Entry(tag, str(value), xsi_type="dcterms:URI")


def _literal_entry(tag: str, value: Literal) -> Entry:
    datatype = value.datatype
    if datatype and datatype in DCT and DCT.local(datatype) in LITERAL_SCHEMES:
        return Entry(tag, str(value), xsi_type=f"dcterms:{DCT.local(datatype)}")
    if datatype in (XSD.date, XSD.dateTime, XSD.gYear, XSD.gYearMonth):
        return Entry(tag, str(value), xsi_type="dcterms:W3CDTF")
    return Entry(tag, str(value), lang=value.language)


def _hash_kind(subject: URIRef, value: URIRef) -> str | None:
    """"agent", "statement", "language" or "concept" for our numbered hash nodes, else None."""
    match = _NUMBERED.search(value)
    if match and value.startswith(f"{subject}#"):
        return match.group(1)
    return None


def _number(value: Node) -> int:
    match = _NUMBERED.search(str(value))
    return int(match.group(2)) if match else 0


def _olac_concept(value: URIRef) -> tuple[str, str] | None:
    """(extension, code) for a concept of our OLAC schemes (except roles), else None."""
    for extension in ("linguistic-type", "linguistic-field", "discourse-type"):
        base = f"{VOCAB_BASE}olac-{extension}/"
        if value.startswith(base):
            return extension, value[len(base):]
    return None


def _agent_entries(graph: Graph, subject: URIRef, tag: str, agent: URIRef) -> Iterator[Entry]:
    """One element per name and role of ``agent`` (an agent with a role writes olac:role)."""
    names = sorted(graph.objects(agent, FOAF.name)) or [Literal("")]
    roles = [
        graph.value(attribution, DCAT.hadRole)
        for attribution in graph.subjects(PROV.agent, agent)
        if (subject, PROV.qualifiedAttribution, attribution) in graph
    ]
    number = _number(agent)
    for name in names:
        if not roles:
            yield Entry(tag, str(name), lang=name.language, number=number)
        for role in roles:
            code = str(role).rsplit("/", 1)[-1] if role else None
            yield Entry(tag, str(name), name.language, "olac:role", code, number)


def _node_entry(graph: Graph, tag: str, node: URIRef, kind: str) -> Entry:
    """An uncoded olac:language (``#language-n``) or extension concept (``#concept-n``)."""
    label = graph.value(node, RDFS.label)
    extension = "language"
    if kind == "concept":
        scheme = str(graph.value(node, SKOS.inScheme) or "")
        extension = scheme[len(VOCAB_BASE) + len("olac-"):]
    return Entry(
        tag, str(label or ""), label.language if label is not None else None,
        f"olac:{extension}", None, _number(node),
    )


def _coded_entries(
    graph: Graph, subject: URIRef, tag: str, value: URIRef, xsi_type: str, code: str
) -> Iterator[Entry]:
    """The coded element, once per statement that labels it (or once bare)."""
    statements = [
        statement for statement in graph.subjects(RDF_.object, value)
        if (statement, RDF_.subject, subject) in graph
        and (statement, RDF_.predicate, DCT[tag]) in graph
    ]
    for statement in statements:
        label = graph.value(statement, RDFS.label)
        yield Entry(tag, str(label or ""), label.language if label is not None else None,
                    xsi_type, code, _number(statement))
    if not statements:
        yield Entry(tag, xsi_type=xsi_type, code=code)


def _period_entry(graph: Graph, tag: str, period: URIRef) -> Entry:
    """A dct:PeriodOfTime as a DCMI Period: ``start=2020; end=2025; scheme=W3C-DTF``."""
    parts = [
        f"{name}={graph.value(period, predicate)}"
        for name, predicate in (("start", DCAT.startDate), ("end", DCAT.endDate))
        if graph.value(period, predicate) is not None
    ]
    return Entry(tag, "; ".join([*parts, "scheme=W3C-DTF"]), xsi_type="dcterms:Period")


def concept_labels(iri: URIRef) -> list[Literal]:
    """The labels of one of our concepts (zh-Hant and en), or [] when the vocabularies do not
    know it."""
    from vocab.schemes import labels

    try:
        found = labels(iri)
    except LookupError:  # not one of the concepts the vocabularies know
        return []
    return [Literal(text, lang=lang) for lang, text in sorted(found.items())]


def _local_concept_entries(tag: str, value: URIRef) -> Iterator[Entry]:
    """Our own concepts (licences, access conditions…): their labels, else the IRI."""
    labels = concept_labels(value)
    if tag == "license" or not labels:
        yield Entry(tag, str(value), xsi_type="dcterms:URI")
    target = "rights" if tag == "license" else tag
    for label in labels:
        yield Entry(target, str(label), lang=label.language)


def _labelled(tag: str, values: Iterable[Node]) -> Iterator[Entry]:
    for value in values:
        if isinstance(value, URIRef):
            yield from _local_concept_entries(tag, value)
        elif isinstance(value, Literal):
            yield Entry(tag, str(value), lang=value.language)


def _dataset_entries(graph: Graph, subject: URIRef) -> Iterator[Entry]:
    """The seed-001 fields of a local corpus dataset that have no dct: property of their own.

    Keywords and application domains → dc:subject, text types → dc:type (their labels in
    zh-Hant and en), access condition → dcterms:accessRights, distributions → dc:format
    (dcterms:IMT) and dcterms:extent ("N bytes"), and the record page as dc:identifier
    (dcterms:URI). The contact point (phone, e-mail) is personal data and never written.
    """
    yield Entry("identifier", str(subject), xsi_type="dcterms:URI")
    yield from _labelled("subject", graph.objects(subject, DCAT.keyword))
    yield from _labelled("type", graph.objects(subject, YL.textType))
    yield from _labelled("subject", graph.objects(subject, YL.applicationDomain))
    yield from _labelled("subject", graph.objects(subject, YL.portalTheme))
    yield from _labelled("accessRights", graph.objects(subject, YL.accessCondition))
    for distribution in graph.objects(subject, DCAT.distribution):
        yield from _distribution_entries(graph, distribution)


def _distribution_entries(graph: Graph, distribution: Node) -> Iterator[Entry]:
    media_type = graph.value(distribution, DCAT.mediaType) or graph.value(distribution, DCT.format)
    if media_type is not None:
        text = str(media_type).removeprefix(IANA_MEDIA_TYPES)
        yield Entry("format", text, xsi_type="dcterms:IMT")
    size = graph.value(distribution, DCAT.byteSize)
    if size is not None:
        yield Entry("extent", f"{size} bytes")
