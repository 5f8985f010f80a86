"""The OAI-PMH sets a public record belongs to, with names in Chinese and English.

Five hierarchies, each a parent set with one child per value (a request for the parent
returns every record of its children):

* ``language:{iso639-3}`` — content and subject languages (``dct:language``,
  ``dct:subject`` Lexvo IRIs), e.g. ``language:nan``;
* ``text-type:{code}`` — ``yl:textType`` (seed 001's ten text types);
* ``licence:{code}`` — ``dct:license`` when it is one of our licence concepts;
* ``agency:{slug}`` — ``dct:publisher``, e.g. ``agency:A29000000G``;
* ``source:{source}`` — the source part of a harvested record's local id,
  e.g. ``source:paradisec.org.au``.

An agency's slug is its code when the publisher is ``{base}agency/{code}``; another IRI gives
``iri-`` and a short hash of the IRI; a blank node or a node of the record itself
(``{subject}#agent-2``, as harvested OLAC publishers are) gives ``name-`` and a short hash of
its ``foaf:name``, so the same publisher named in many records is one set. Set names come from
the vocabularies (vocab/*.ttl), from ``foaf:name`` for agencies, and from ISO 639-3 reference
names for languages our vocabulary does not list.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from rdflib import Literal, URIRef
from rdflib.term import Node

from vocab.languages import LanguageCodeError, resolve
from vocab.namespaces import DCT, FOAF, LEXVO, VOCAB_BASE, YL

#: A setSpec part: the characters OAI-PMH.xsd's setSpecType allows.
SPEC_PART = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")
HASH_LENGTH = 10


@dataclass(frozen=True)
class OaiSet:
    """A set: its spec and its names (either may be missing)."""

    spec: str
    name_zh: str | None = None
    name_en: str | None = None

    @property
    def name(self) -> str:
        """``臺灣台語 Taiwanese Hokkien``: both names, once when they are the same."""
        names = [n for n in (self.name_zh, self.name_en) if n]
        return " ".join(dict.fromkeys(names)) or self.spec

    @property
    def parent(self) -> str | None:
        return self.spec.rsplit(":", 1)[0] if ":" in self.spec else None


PARENTS = {
    s.spec: s for s in (
        OaiSet("language", "語言", "Language"),
        OaiSet("text-type", "文本資料類型", "Text type"),
        OaiSet("licence", "授權條款", "Licence"),
        OaiSet("agency", "提供機關", "Providing agency"),
        OaiSet("source", "收割來源", "Harvest source"),
    )
}


def record_sets(graph, subject: URIRef, local_id: str, base: str) -> list[OaiSet]:
    """The sets of the record ``local_id`` described in ``graph`` (an rdflib Graph or a
    TripleIndex), sorted by spec, each once."""
    concepts = [s for parent, predicate in DEFINING_PROPERTIES.items()
                for s in _concepts(graph, subject, predicate, parent)]
    found = [*_languages(graph, subject), *concepts, *_agencies(graph, subject, base),
             *_sources(local_id)]
    return sorted({s.spec: s for s in reversed(found)}.values(), key=lambda s: s.spec)


#: The sets one statement of the dataset defines: parent → the property whose value it is.
DEFINING_PROPERTIES = {"text-type": YL.textType, "licence": DCT.license}


def defining_statement(spec: str) -> tuple[URIRef, URIRef] | None:
    """(property, value) that every record of the set ``spec`` states of its dataset, and
    only they: ``licence:CC0-1.0`` → (dct:license, <…/vocab/licence/CC0-1.0>). None for the
    sets no one statement defines (a language set takes content and subject languages alike,
    agencies and sources are slugs)."""
    parent, _, code = spec.partition(":")
    if parent not in DEFINING_PROPERTIES or not code:
        return None
    return DEFINING_PROPERTIES[parent], URIRef(f"{VOCAB_BASE}{parent}/{code}")


def with_parents(sets: Iterable[OaiSet]) -> list[OaiSet]:
    """``sets`` and their parent sets, sorted by spec."""
    every = {s.spec: s for s in sets}
    for oai_set in list(every.values()):
        if oai_set.parent in PARENTS:
            every.setdefault(oai_set.parent, PARENTS[oai_set.parent])
    return sorted(every.values(), key=lambda s: s.spec)


def _languages(graph, subject: URIRef) -> Iterator[OaiSet]:
    for predicate in (DCT.language, DCT.subject):
        for value in graph.objects(subject, predicate):
            code = str(value)[len(LEXVO):] if str(value).startswith(LEXVO) else ""
            if re.fullmatch(r"[a-z]{3}", code):
                yield _language_set(code)


@lru_cache(maxsize=1024)
def _language_set(code: str) -> OaiSet:
    zh, en = _labels(f"{LEXVO}{code}")
    if en is None:
        try:
            en = resolve(code).name
        except LanguageCodeError:
            en = None
    return OaiSet(f"language:{code}", zh, en)


def _concepts(graph, subject: URIRef, predicate: URIRef, scheme: str) -> Iterator[OaiSet]:
    base = f"{VOCAB_BASE}{scheme}/"
    for value in graph.objects(subject, predicate):
        code = str(value)[len(base):] if str(value).startswith(base) else ""
        if SPEC_PART.fullmatch(code):
            yield _concept_set(scheme, code)


@lru_cache(maxsize=1024)
def _concept_set(scheme: str, code: str) -> OaiSet:
    return OaiSet(f"{scheme}:{code}", *_labels(f"{VOCAB_BASE}{scheme}/{code}"))


@lru_cache(maxsize=4096)
def _labels(iri: str) -> tuple[str | None, str | None]:
    """(zh-Hant label, en label) of one of our concepts."""
    from vocab.schemes import labels

    found = labels(iri)
    return found.get("zh-Hant"), found.get("en")


def _agencies(graph, subject: URIRef, base: str) -> Iterator[OaiSet]:
    for publisher in graph.objects(subject, DCT.publisher):
        if isinstance(publisher, Literal):
            continue
        names = [n for n in graph.objects(publisher, FOAF.name) if isinstance(n, Literal)]
        zh, en = _pick_names(names)
        slug = agency_slug(publisher, names, subject, base)
        yield OaiSet(f"agency:{slug}", zh, en or (None if zh else slug))


def agency_slug(publisher: Node, names: list[Literal], subject: URIRef, base: str) -> str:
    """The ASCII setSpec part naming a providing agency (see the module docstring)."""
    prefix = f"{base}agency/"
    text = str(publisher)
    if isinstance(publisher, URIRef) and text.startswith(prefix):
        code = text[len(prefix):]
        if SPEC_PART.fullmatch(code):
            return code
        return f"iri-{_short_hash(text)}"
    if isinstance(publisher, URIRef) and not text.startswith(f"{subject}#"):
        return f"iri-{_short_hash(text)}"
    if not names:
        return f"iri-{_short_hash(text)}"
    name = min(names, key=lambda n: (_language_rank(n), str(n)))
    return f"name-{_short_hash(' '.join(str(name).split()).casefold())}"


def _pick_names(names: list[Literal]) -> tuple[str | None, str | None]:
    """(Chinese name, English or untagged name)."""
    ordered = sorted(names, key=lambda n: (_language_rank(n), str(n)))
    zh = next((str(n) for n in ordered if (n.language or "").lower().startswith("zh")), None)
    other = next((str(n) for n in ordered if not (n.language or "").lower().startswith("zh")),
                 None)
    return zh, other


def _language_rank(name: Literal) -> int:
    language = (name.language or "").lower()
    return 0 if language.startswith("en") else 1 if not language else 2


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:HASH_LENGTH]


def _sources(local_id: str) -> Iterator[OaiSet]:
    if ":" in local_id:
        source = local_id.split(":", 1)[0]
        if SPEC_PART.fullmatch(source):
            yield OaiSet(f"source:{source}", f"收割來源 {source}", f"Harvested from {source}")
