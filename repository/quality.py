"""OLAC's per-record metadata quality score (OLAC NOTE metrics, metadata_advisor11.xsl; notes §3.1).

Score = 5 element points (title, date, agent, about, depth) + 5 encoding-scheme points (content
language, linguistic type, subject language, DCMI type, precision), 0–10, two decimals. An
element is "non-empty" when it has content or an ``olac:code``. This is the advisor's
per-record rule set (including its "temporary" subject-language point for records without a
linguistic type), not the stricter archive-level SQL.
"""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from repository.crosswalks.olac import (
    DC_NS,
    DCTERMS_NS,
    OLAC_LEGACY_NS,
    OLAC_NS,
    XSI_TYPE,
    graph_to_olac,
)
from repository.errors import RepositoryError


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


DATE_TERMS = _words(
    "date created available dateAccepted dateCopyrighted dateSubmitted issued modified "
    "valid"
)
AGENT_TERMS = frozenset({"creator", "contributor", "publisher"})
ABOUT_TERMS = _words("description subject abstract tableOfContents coverage spatial temporal")
COVERAGE_TERMS = frozenset({"coverage", "spatial", "temporal"})
_OLAC_NAMESPACES = frozenset({OLAC_NS, *OLAC_LEGACY_NS})


class _Element:
    """An OLAC element reduced to what the score looks at."""

    def __init__(self, element: etree._Element) -> None:
        self.term = etree.QName(element).localname
        self.is_dc = etree.QName(element).namespace in (DC_NS, DCTERMS_NS)
        self.text = (element.text or "").strip()
        self.code = next(
            (value.strip() for key, value in element.attrib.items()
             if etree.QName(key).localname == "code"), "",
        )
        self.scheme = _scheme(element)

    @property
    def non_empty(self) -> bool:
        return bool(self.text or self.code)


def _scheme(element: etree._Element) -> str:
    """The xsi:type as "olac:NAME", "dcterms:NAME" or the raw value for anything else."""
    value = (element.get(XSI_TYPE) or "").strip()
    prefix, _, name = value.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace in _OLAC_NAMESPACES:
        return f"olac:{name}"
    if namespace == DCTERMS_NS:
        return f"dcterms:{name}"
    return value


def olac_quality(olac: etree._Element) -> float:
    """The OLAC metadata quality score (0–10, rounded to two decimals) of an ``olac:olac``."""
    return round(sum(olac_quality_parts(olac).values()), 2)


def record_quality(graph, subject) -> float | None:
    """:func:`olac_quality` of the record ``subject`` described in ``graph``; None when it
    cannot be written as OLAC."""
    parts = record_quality_parts(graph, subject)
    return round(sum(parts.values()), 2) if parts is not None else None


def record_quality_parts(graph, subject) -> dict[str, float] | None:
    """The components of :func:`olac_quality` for the record ``subject`` described in
    ``graph``, written as OLAC first; None when it cannot be written as OLAC (a draft may
    not)."""
    try:
        return olac_quality_parts(graph_to_olac(graph, subject))
    except (RepositoryError, ValueError, KeyError):
        return None


def olac_quality_parts(olac: etree._Element) -> dict[str, float]:
    """The ten components of :func:`olac_quality` (each 0–1), by name: ``title``, ``date``,
    ``agent``, ``about``, ``depth``, ``content_language``, ``linguistic_type``,
    ``subject_language``, ``dcmi_type``, ``precision``; what is short of 1 is what would
    raise the score."""
    elements = [_Element(child) for child in olac if isinstance(child.tag, str)]
    elements = [element for element in elements if element.is_dc]
    components: list[Callable[[list[_Element]], float]] = [
        _title, _date, _agent, _about, _depth,
        _content_language, _linguistic_type, _subject_language, _dcmi_type, _precision,
    ]
    return {component.__name__[1:]: component(elements) for component in components}


def _any(elements: list[_Element], terms: frozenset[str]) -> float:
    return float(any(element.term in terms and element.non_empty for element in elements))


def _title(elements: list[_Element]) -> float:
    return _any(elements, frozenset({"title"}))


def _date(elements: list[_Element]) -> float:
    return _any(elements, DATE_TERMS)


def _agent(elements: list[_Element]) -> float:
    return _any(elements, AGENT_TERMS)


def _about(elements: list[_Element]) -> float:
    return _any(elements, ABOUT_TERMS)


def _depth(elements: list[_Element]) -> float:
    count = sum(element.non_empty for element in elements)
    return min(max(count - 8, 0), 6) / 6


def _coded(elements: list[_Element], term: str, scheme: str) -> list[_Element]:
    return [e for e in elements if e.term == term and e.scheme == scheme]


def _content_language(elements: list[_Element]) -> float:
    return float(any(e.code for e in _coded(elements, "language", "olac:language")))


def _linguistic_type(elements: list[_Element]) -> float:
    return float(any(e.code for e in _coded(elements, "type", "olac:linguistic-type")))


def _subject_language(elements: list[_Element]) -> float:
    """1 for a coded subject language or a primary text; also (temporarily) without a type."""
    subjects = _coded(elements, "subject", "olac:language")
    if any(not e.code for e in subjects):
        return 0.0
    types = _coded(elements, "type", "olac:linguistic-type")
    if subjects or any(e.code == "primary_text" for e in types):
        return 1.0
    return float(not types)


def _dcmi_type(elements: list[_Element]) -> float:
    return float(any(e.text for e in _coded(elements, "type", "dcterms:DCMIType")))


def _precision(elements: list[_Element]) -> float:
    found = (
        any(e.scheme == "dcterms:W3CDTF" and e.text for e in elements),
        any(e.scheme == "olac:role" and e.code and e.text for e in elements),
        any(e.scheme == "dcterms:IMT" for e in elements),
        any(e.scheme == "dcterms:URI" for e in elements),
        any(e.term in COVERAGE_TERMS and e.scheme for e in elements),
    )
    return min(3, sum(found)) / 3
