"""Simple Dublin Core (``oai_dc``) ⇄ canonical RDF.

Writing follows OLAC's "dumb-down" crosswalk (OLAC NOTE olac_display, notes §1.4), applied to
the OLAC record :func:`repository.crosswalks.olac.graph_to_olac` writes:

* codes move into content: ``olac:linguistic-type`` → ``dc:type`` "Linguistic type: primary
  text"; ``olac:linguistic-field`` → ``dc:subject`` "language documentation";
  ``olac:discourse-type`` → ``dc:description`` "Discourse type: narrative" (``_`` → space);
  ``dc:language`` ``olac:language`` C → ``dc:language`` C and its ISO 639-3 reference name;
  ``dc:subject`` ``olac:language`` C → ``dc:subject`` "{reference name} language", and
  ``dc:language`` C unless it is already there. Content written beside a code is kept as a
  further element of the same name.
* a contributor with the role ``author`` becomes ``dc:creator``;
* only one ``dc:date``, the first present of: dc:date, issued, dateCopyrighted, created,
  available, dateAccepted, dateSubmitted, modified, valid;
* every ``dcterms:`` refinement becomes its DC element (``abstract`` → ``dc:description``,
  ``spatial`` → ``dc:coverage``, ``license`` → ``dc:rights``, …); DCMI terms that refine no DC
  element (``audience``, ``provenance``, ``rightsHolder``, ``accrual*``, ``instructionalMethod``,
  ``mediator``, ``educationLevel``) have no place in simple DC and are left out;
* every attribute is dropped except ``xml:lang``; repeated (element, content, language) are
  written once.

Reading (:func:`oaidc_to_graph`) gives plain literals with their ``xml:lang``; identifiers and
relations that are URLs stay literals; a ``dc:language`` that is an ISO 639 code becomes a
Lexvo IRI (normalised to ISO 639-3), any other language value a literal. Empty elements carry
nothing and are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree
from rdflib import RDF, Graph, Literal, URIRef

from repository.errors import InputError
from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import DC15, DCAT, DCT, YL, lexvo

from .olac import DC_NS, OLAC_CODE, XML_LANG, XSI_NS, XSI_TYPE, graph_to_olac

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
SCHEMA_LOCATION = f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
NSMAP = {"oai_dc": OAI_DC_NS, "dc": DC_NS, "xsi": XSI_NS}

DATE_PRIORITY = (
    "date", "issued", "dateCopyrighted", "created", "available", "dateAccepted",
    "dateSubmitted", "modified", "valid",
)
REFINES = {
    "alternative": "title", "tableOfContents": "description", "abstract": "description",
    **{name: "date" for name in DATE_PRIORITY[1:]},
    "extent": "format", "medium": "format",
    **{
        name: "relation" for name in (
            "isVersionOf", "hasVersion", "isReplacedBy", "replaces", "isRequiredBy", "requires",
            "isPartOf", "hasPart", "isReferencedBy", "references", "isFormatOf", "hasFormat",
            "conformsTo",
        )
    },
    "spatial": "coverage", "temporal": "coverage",
    "accessRights": "rights", "license": "rights",
    "bibliographicCitation": "identifier",
}

DcValue = tuple[str, str, str | None]  # (DC element, content, xml:lang)


def graph_to_oaidc(graph: Graph, subject: URIRef) -> etree._Element:
    """A standalone ``<oai_dc:dc>`` for ``subject``, by OLAC's dumb-down crosswalk.

    Raises InputError when the graph says nothing about ``subject``.
    """
    return olac_to_oaidc(graph_to_olac(graph, subject))


def olac_to_oaidc(olac: etree._Element) -> etree._Element:
    """The simple-DC dumb-down of an OLAC 1.1 ``<olac:olac>`` element."""
    values = list(_dumb_down(olac))
    values = _one_date(values)
    dc = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap=NSMAP)
    dc.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    for name, text, lang in dict.fromkeys(values):
        element = etree.SubElement(dc, f"{{{DC_NS}}}{name}")
        element.text = text
        if lang:
            element.set(XML_LANG, lang)
    return dc


def _dumb_down(olac: etree._Element) -> Iterator[DcValue]:
    """(element, content, lang) for every OLAC element, with ``date`` values still refined."""
    language_codes = {
        element.get(OLAC_CODE) for element in olac.iterchildren(f"{{{DC_NS}}}language")
    }
    for element in olac.iterchildren():
        if isinstance(element.tag, str):
            yield from _element_values(element, language_codes)


def _element_values(element: etree._Element, language_codes: set[str | None]) -> Iterator[DcValue]:
    name = etree.QName(element).localname
    xsi_type = (element.get(XSI_TYPE) or "").split(":")[-1]
    code = element.get(OLAC_CODE)
    text = (element.text or "").strip()
    lang = element.get(XML_LANG)
    if name in DATE_PRIORITY:
        if text:
            yield (f"date:{name}", text, None)
        return
    target = REFINES.get(name, name)
    if target not in DC15:
        return
    generated = list(_coded_values(target, xsi_type, code, text, language_codes))
    if xsi_type == "role" and code == "author" and target == "contributor":
        target = "creator"
    yield from generated
    if text and all(text != value[1] for value in generated):
        yield (target, text, lang)


def _coded_values(
    target: str, xsi_type: str, code: str | None, text: str, language_codes: set[str | None]
) -> Iterator[DcValue]:
    """What OLAC's display crosswalk makes of an ``olac:code``."""
    if not code:
        return
    readable = code.replace("_", " ")
    if xsi_type == "linguistic-type":
        yield ("type", f"Linguistic type: {readable}", None)
    elif xsi_type == "linguistic-field":
        yield ("subject", readable, None)
    elif xsi_type == "discourse-type":
        yield ("description", f"Discourse type: {readable}", None)
    elif xsi_type == "language":
        yield from _language_values(target, code, language_codes)


def _language_values(target: str, code: str, language_codes: set[str | None]) -> Iterator[DcValue]:
    name = _reference_name(code)
    if target == "language":
        yield ("language", code, None)
        if name:
            yield ("language", name, None)
        return
    if name:
        yield ("subject", f"{name} language", None)
    if code not in language_codes:
        yield ("language", code, None)


def _reference_name(code: str) -> str | None:
    try:
        return resolve(code).name
    except LanguageCodeError:
        return None


def _one_date(values: list[DcValue]) -> list[DcValue]:
    """Keeps one date, the first by :data:`DATE_PRIORITY`, as ``dc:date``."""
    dates = {name.split(":", 1)[1]: text for name, text, _ in reversed(values)
             if name.startswith("date:")}
    kept = [value for value in values if not value[0].startswith("date:")]
    chosen = next((dates[name] for name in DATE_PRIORITY if name in dates), None)
    return kept + ([("date", chosen, None)] if chosen else [])


def oaidc_to_graph(dc: etree._Element, subject: URIRef) -> Graph:
    """The canonical RDF of an ``<oai_dc:dc>`` element about ``subject``.

    Raises InputError for a root other than oai_dc:dc, an element that is not one of the 15
    DC elements, child elements inside an element, or an attribute other than xml:lang.
    """
    if etree.QName(dc) != etree.QName(OAI_DC_NS, "dc"):
        raise InputError(f"expected an oai_dc:dc element, found {dc.tag}", record=str(subject))
    graph = Graph()
    graph.add((subject, RDF.type, DCAT.Dataset))
    graph.add((subject, RDF.type, YL.LanguageResource))
    for element in dc.iterchildren():
        if isinstance(element.tag, str):
            _add_dc_value(graph, subject, element)
    return graph


def _add_dc_value(graph: Graph, subject: URIRef, element: etree._Element) -> None:
    qname = etree.QName(element)
    label = f"dc:{qname.localname} (line {element.sourceline})"
    if qname.namespace != DC_NS or qname.localname not in DC15:
        raise InputError(f"{label}: not a simple DC element", record=str(subject),
                         field=element.tag)
    if len(element) or set(element.attrib) - {XML_LANG}:
        raise InputError(f"{label}: only text and xml:lang are allowed in oai_dc",
                         record=str(subject), field=f"dc:{qname.localname}")
    text = (element.text or "").strip()
    if text:
        graph.add((subject, DCT[qname.localname], _dc_object(qname.localname, text, element)))


def _dc_object(name: str, text: str, element: etree._Element) -> Literal | URIRef:
    if name == "language":
        try:
            return lexvo(resolve(text).code)
        except LanguageCodeError:
            pass
    return Literal(text, lang=element.get(XML_LANG) or None)
