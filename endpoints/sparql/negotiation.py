"""Which serialisation an answer is sent in: the ``format`` parameter, else ``Accept``.

Solutions (SELECT) and booleans (ASK) go out as SPARQL JSON, SPARQL XML, CSV or TSV; graphs
(CONSTRUCT, DESCRIBE) as Turtle, JSON-LD, RDF/XML or N-Triples; all of them also as an HTML
table for browsers. ``Accept`` is weighed with its q-values (werkzeug's MIMEAccept); the first
format of a kind wins ties and answers ``*/*`` and a missing header.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.datastructures import MIMEAccept

#: The kinds of answer: SELECT, ASK, CONSTRUCT/DESCRIBE.
SOLUTIONS, BOOLEAN, GRAPH = "solutions", "boolean", "graph"
TABLES = frozenset({SOLUTIONS, BOOLEAN})


@dataclass(frozen=True)
class Format:
    """One serialisation: its short name, media type, the kinds it can carry, the other names
    ``format=`` may give it (SPARQLWrapper sends ``json``, ``xml``, ``n3``, ``rdf+xml`` …) and
    other media types that mean it in ``Accept``."""

    name: str
    media_type: str
    kinds: frozenset[str]
    aliases: tuple[str, ...] = ()
    accept_aliases: tuple[str, ...] = ()

    @property
    def content_type(self) -> str:
        """The Content-Type header: text types say their charset."""
        text = self.media_type.startswith("text/")
        return f"{self.media_type}; charset=utf-8" if text else self.media_type


FORMATS: tuple[Format, ...] = (
    Format("json", "application/sparql-results+json", TABLES, ("srj",),
           ("application/json",)),
    Format("xml", "application/sparql-results+xml", TABLES, ("srx",),
           ("application/xml", "text/xml")),
    Format("csv", "text/csv", TABLES),
    Format("tsv", "text/tab-separated-values", TABLES),
    Format("turtle", "text/turtle", frozenset({GRAPH}), ("ttl", "n3"),
           ("application/x-turtle", "application/turtle", "text/n3")),
    Format("jsonld", "application/ld+json", frozenset({GRAPH}), ("json-ld", "json"),
           ("application/json",)),
    Format("rdfxml", "application/rdf+xml", frozenset({GRAPH}), ("rdf+xml", "rdf", "xml"),
           ("application/xml", "text/xml")),
    Format("ntriples", "application/n-triples", frozenset({GRAPH}), ("nt", "n-triples"),
           ("text/plain",)),
    Format("html", "text/html", frozenset({SOLUTIONS, BOOLEAN, GRAPH}), (),
           ("application/xhtml+xml",)),
)
HTML = FORMATS[-1]


class NotAcceptable(Exception):
    """No format of this kind is acceptable to the client (HTTP 406); says which there are."""

    status = 406


def formats_for(kind: str) -> list[Format]:
    """The formats that can carry an answer of ``kind``, preferred first."""
    return [f for f in FORMATS if kind in f.kinds]


def choose(kind: str, accept: MIMEAccept, format_values: list[str], *,
           html: bool = True) -> Format:
    """The format of an answer of ``kind``: the first recognised ``format`` value, else the best
    match of ``accept`` (``html=False``: only the machine formats). Raises NotAcceptable when
    neither names a format of this kind."""
    candidates = [f for f in formats_for(kind) if html or f is not HTML]
    if format_values:
        return _by_name(kind, candidates, format_values)
    if not accept:
        return candidates[0]
    offers = [(f.media_type, f) for f in candidates]
    offers += [(alias, f) for f in candidates for alias in f.accept_aliases]
    best = accept.best_match([media_type for media_type, _ in offers])
    if best is None:
        raise NotAcceptable(_not_acceptable(kind, candidates, "the Accept header"))
    return next(f for media_type, f in offers if media_type == best)


def _by_name(kind: str, candidates: list[Format], values: list[str]) -> Format:
    for value in values:
        wanted = value.strip().lower()
        for candidate in candidates:
            if wanted in (candidate.name, candidate.media_type, *candidate.aliases):
                return candidate
    raise NotAcceptable(_not_acceptable(kind, candidates, f"format={values[0]!r}"))


def _not_acceptable(kind: str, candidates: list[Format], asked: str) -> str:
    offered = ", ".join(f"{f.name} ({f.media_type})" for f in candidates)
    return f"{asked} names no format for a {kind} answer; available: {offered}"


def accepts_html(accept: MIMEAccept) -> bool:
    """True when the client names HTML and likes it at least as much as every SPARQL result and
    RDF format (a browser; ``*/*`` alone is not enough)."""
    named = [q for value, q in accept if value in ("text/html", "application/xhtml+xml")]
    if not named or max(named) <= 0:
        return False
    return all(max(named) >= accept.quality(f.media_type) for f in FORMATS if f is not HTML)
