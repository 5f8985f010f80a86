"""The SKOS concept schemes shipped as Turtle beside this module, and closed namespaces over them.

``load()`` parses every ``vocab/*.ttl`` once into one shared graph. Each scheme is also a closed
namespace, built from that graph at first use, that refuses codes it does not have::

    TEXT_TYPE["gov-publication"]   # URIRef('https://w3id.org/yuliao/vocab/text-type/gov-publication')
    TEXT_TYPE.education            # attribute access works for codes that are identifiers
    "education" in TEXT_TYPE       # a Mapping from code to concept IRI
    LANGUAGES["ami"]               # URIRef('http://lexvo.org/id/iso639-3/ami')

This module is cheap to import: nothing is parsed until a scheme or ``load()`` is first used.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

from rdflib import Graph, Literal, URIRef

from .namespaces import RDFS, SKOS, VOCAB_BASE, bind_prefixes

VOCAB_DIR = Path(__file__).resolve().parent
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"
FALLBACK_LANGUAGES = ("zh-Hant", "en")

#: Our scheme names (the ``{scheme}`` of ``https://w3id.org/yuliao/vocab/{scheme}``).
SCHEME_NAMES = (
    "text-type", "application-domain", "portal-theme", "language", "licence", "access-rights",
    "access-condition", "olac-role", "olac-linguistic-type", "olac-linguistic-field",
    "olac-discourse-type", "dcmi-type", "media-type", "record-state",
)


class VocabularyError(RuntimeError):
    """The shipped vocabulary is broken: a Turtle file does not parse or a scheme is
    inconsistent (a concept without a notation, a code or label used twice)."""


class UnknownCode(KeyError, AttributeError):
    """A code, label or scheme name that a scheme does not have (both a KeyError and an
    AttributeError, so ``[]`` and attribute access fail the way callers expect)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


_lock = threading.Lock()
_graph: Graph | None = None


def load() -> Graph:
    """Every vocabulary Turtle file merged into one graph, parsed once and cached.

    The same graph object is returned on every call and shared by all callers: do not mutate it
    (copy it first). Raises VocabularyError when a shipped file does not parse.
    """
    global _graph
    with _lock:
        if _graph is None:
            _graph = parse_turtle(sorted(VOCAB_DIR.glob("*.ttl")))
        return _graph


def parse_turtle(paths: list[Path]) -> Graph:
    """One graph holding the triples of all ``paths`` (Turtle); raises VocabularyError naming the
    file that does not parse."""
    graph = Graph()
    bind_prefixes(graph)
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises BadSyntax, ParserError, ValueError, …
            raise VocabularyError(f"{path.name}: not valid Turtle: {exc}") from exc
    return graph


def scheme_iri(scheme_name: str) -> URIRef:
    """The IRI of our scheme ``scheme_name``; raises UnknownCode for a name we do not ship."""
    if scheme_name not in SCHEME_NAMES:
        raise UnknownCode(
            f"{scheme_name!r} is not a Yuliao concept scheme; known: {', '.join(SCHEME_NAMES)}"
        )
    return URIRef(VOCAB_BASE + scheme_name)


def concept_index(graph: Graph, scheme: URIRef) -> dict[str, URIRef]:
    """Code (skos:notation) → concept IRI of every concept ``skos:inScheme scheme`` in ``graph``.

    Raises VocabularyError when a concept has no notation, several, or shares its code with
    another concept of the scheme.
    """
    index: dict[str, URIRef] = {}
    for concept in graph.subjects(SKOS.inScheme, scheme):
        notations = [str(n) for n in graph.objects(concept, SKOS.notation)]
        if len(notations) != 1:
            raise VocabularyError(f"<{concept}> in <{scheme}> has {len(notations)} notations")
        code = notations[0]
        if code in index:
            raise VocabularyError(f"notation {code!r} is used twice in <{scheme}>")
        index[code] = URIRef(concept)
    return dict(sorted(index.items()))


@cache
def _index(scheme_name: str) -> dict[str, URIRef]:
    return concept_index(load(), scheme_iri(scheme_name))


def concepts(scheme_name: str) -> dict[str, URIRef]:
    """Code → concept IRI for scheme ``scheme_name`` (a fresh dict, in code order).

    Raises UnknownCode for a scheme we do not ship, VocabularyError for a broken one.
    """
    return dict(_index(scheme_name))


class ConceptScheme(Mapping[str, URIRef]):
    """A closed, read-only namespace: code → concept IRI of one scheme, loaded at first use.

    ``scheme["code"]`` and ``scheme.code`` raise UnknownCode (a KeyError and an AttributeError)
    naming the scheme when the code is not one of its concepts.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.iri = scheme_iri(name)

    def __getitem__(self, code: str) -> URIRef:
        try:
            return _index(self.name)[code]
        except KeyError:
            raise UnknownCode(f"{code!r} is not a code of scheme {self.name!r}") from None

    def __getattr__(self, code: str) -> URIRef:
        if code.startswith("_"):
            raise AttributeError(code)
        return self[code]

    def __iter__(self) -> Iterator[str]:
        return iter(_index(self.name))

    def __len__(self) -> int:
        return len(_index(self.name))

    def __repr__(self) -> str:
        return f"<ConceptScheme {self.name} <{self.iri}>>"

    def code(self, iri: str) -> str:
        """The code of concept ``iri`` in this scheme; raises UnknownCode when it is not one."""
        for code, concept in _index(self.name).items():
            if concept == iri:
                return code
        raise UnknownCode(f"<{iri}> is not a concept of scheme {self.name!r}")


TEXT_TYPE = ConceptScheme("text-type")
APPLICATION_DOMAIN = ConceptScheme("application-domain")
PORTAL_THEME = ConceptScheme("portal-theme")
LANGUAGES = ConceptScheme("language")
LICENCE = ConceptScheme("licence")
ACCESS_RIGHTS = ConceptScheme("access-rights")
ACCESS_CONDITION = ConceptScheme("access-condition")
OLAC_ROLE = ConceptScheme("olac-role")
OLAC_LINGUISTIC_TYPE = ConceptScheme("olac-linguistic-type")
OLAC_LINGUISTIC_FIELD = ConceptScheme("olac-linguistic-field")
OLAC_DISCOURSE_TYPE = ConceptScheme("olac-discourse-type")
DCMI_TYPES = ConceptScheme("dcmi-type")
MEDIA_TYPE = ConceptScheme("media-type")
RECORD_STATE = ConceptScheme("record-state")


def labels(iri: str) -> dict[str, str]:
    """Language tag → label of ``iri`` (skos:prefLabel, else rdfs:label; "" for an untagged
    label). Empty when the vocabularies do not know ``iri``. Raises nothing."""
    graph, found = load(), {}
    for predicate in (SKOS.prefLabel, RDFS.label):
        for literal in graph.objects(URIRef(iri), predicate):
            if isinstance(literal, Literal):
                found.setdefault(literal.language or "", str(literal))
    return found


def label(iri: str, lang: str = "en") -> str | None:
    """The label of ``iri`` in ``lang``, else in a shorter form of that tag (zh-Hant-TW → zh-Hant),
    else zh-Hant, else en, else any (first by tag); None when it has none. Raises nothing."""
    found = {tag.lower(): text for tag, text in labels(iri).items()}
    for tag in (*_truncations(lang), *FALLBACK_LANGUAGES):
        if tag.lower() in found:
            return found[tag.lower()]
    return found[min(found)] if found else None


def _truncations(tag: str) -> list[str]:
    parts = tag.split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def scheme_of(iri: str) -> URIRef | None:
    """The scheme (skos:inScheme) of concept ``iri``, None when it is not one of our concepts."""
    found = load().value(URIRef(iri), SKOS.inScheme)
    return URIRef(found) if found is not None else None


def code_of(iri: str) -> str | None:
    """The code (skos:notation) of concept ``iri``, None when it is not one of our concepts."""
    found = load().value(URIRef(iri), SKOS.notation)
    return str(found) if found is not None else None


def media_type_for(notation_or_mime: str) -> URIRef:
    """The IANA media-type IRI for a portal format name ("PDF", any case) or a MIME type
    ("application/pdf", parameters ignored). Raises UnknownCode listing the allowed values."""
    given = notation_or_mime.strip()
    mime = given.split(";", 1)[0].strip().lower()
    for code, iri in _index("media-type").items():
        if given.upper() == code or mime == iri.removeprefix(IANA_MEDIA_TYPES):
            return iri
    allowed = [f"{code} ({iri.removeprefix(IANA_MEDIA_TYPES)})" for code, iri in MEDIA_TYPE.items()]
    raise UnknownCode(f"{given!r} is not an accepted format; allowed: {', '.join(allowed)}")


def concept_for_label(scheme_name: str, text: str) -> URIRef:
    """The concept of ``scheme_name`` whose code, skos:prefLabel or skos:altLabel (any language)
    is ``text`` (case and spacing ignored): maps form values such as 臺語 or 互動式溝通語料.

    Raises UnknownCode when no concept of the scheme has that label (or the scheme is unknown).
    """
    found = _label_index(scheme_name).get(_normal(text))
    if found is None:
        raise UnknownCode(f"{text!r} is not a code or label of scheme {scheme_name!r}")
    return found


@cache
def _label_index(scheme_name: str) -> dict[str, URIRef]:
    graph, index = load(), {}
    for code, concept in _index(scheme_name).items():
        names = {code, *graph.objects(concept, SKOS.prefLabel)}
        names.update(graph.objects(concept, SKOS.altLabel))
        for name in {_normal(str(n)) for n in names}:
            if index.setdefault(name, concept) != concept:
                raise VocabularyError(f"label {name!r} names two concepts of {scheme_name!r}")
    return index


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()
