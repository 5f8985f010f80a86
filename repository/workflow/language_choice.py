"""Finding a language for the form's language fields by its name or its ISO 639-3 code: the
languages of vocab/languages.ttl first (their Chinese and English names and every other name
the vocabulary gives them, 臺語, 閩南語, Taiwanese Hokkien), then every current individual
language and macrolanguage of ISO 639-3 (python-iso639, by its reference name)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import cache

import iso639
from rdflib import Literal

from vocab.namespaces import LEXVO, SKOS
from vocab.schemes import concepts, load

from ..errors import InputError

#: Longest query, largest page and last page a search answers.
MAX_QUERY, PAGE_SIZE, MAX_PAGE = 50, 20, 50


@dataclass(frozen=True)
class LanguageName:
    """A language the form can take: its ISO 639-3 code, its names in Chinese and English
    (the ISO reference name when the vocabulary has none), and whether vocab/ describes it."""

    code: str
    name_zh: str
    name_en: str
    ours: bool
    #: every name it is found by, folded
    names: tuple[str, ...]

    def name(self, language: str) -> str:
        """Its name in ``language`` (``zh…`` or ``en``)."""
        return self.name_zh if language.startswith("zh") else self.name_en


@dataclass(frozen=True)
class LanguagePage:
    """One page of a search: the languages found, the page number, whether more follow."""

    languages: list[LanguageName]
    page: int
    more: bool


def fold(text: str) -> str:
    """``text`` as names are compared: NFKC, case-folded, spaces collapsed."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


@cache
def catalogue() -> tuple[LanguageName, ...]:
    """Every language the picker offers, ours first (in the vocabulary's code order), then the
    rest of ISO 639-3 by name. Raises VocabularyError for a broken vocabulary."""
    graph = load()
    names: dict[str, dict[str, str]] = {}
    every: dict[str, list[str]] = {}
    for code, iri in concepts("language").items():
        iso = str(iri)[len(LEXVO):] if str(iri).startswith(LEXVO) else code.split("-")[0]
        for predicate in (SKOS.prefLabel, SKOS.altLabel):
            for label in graph.objects(iri, predicate):
                if isinstance(label, Literal):
                    tag = (label.language or "").lower()
                    if predicate == SKOS.prefLabel and iso == code:  # not a dialect's
                        names.setdefault(iso, {}).setdefault(tag[:2], str(label))
                    every.setdefault(iso, []).append(fold(str(label)))
    found = []
    for iso, labels in every.items():
        reference = iso639.Language.match(iso).name
        own = names.get(iso, {})
        found.append(LanguageName(iso, own.get("zh", reference), own.get("en", reference), True,
                                  tuple(dict.fromkeys([*labels, fold(reference)]))))
    seen = set(every)
    rest = sorted((language for language in iso639.ALL_LANGUAGES
                   if language.status == "A" and language.scope in ("I", "M")
                   and language.part3 not in seen), key=lambda language: language.name)
    for language in rest:
        found.append(LanguageName(language.part3, language.name, language.name, False,
                                  (fold(language.name),)))
    return tuple(found)


def search(query: str, page: int = 1) -> LanguagePage:
    """The languages whose code or a name matches ``query``: the code itself first, then codes
    and names starting with it, then names containing it (the vocabulary's languages before the
    others at each level); an empty query lists the vocabulary's languages. Raises InputError
    (naming ``q`` or ``page``) for a query over :data:`MAX_QUERY` characters or a page outside
    1–:data:`MAX_PAGE`."""
    if len(query) > MAX_QUERY:
        raise InputError(f"a language search has at most {MAX_QUERY} characters", field="q")
    if not 1 <= page <= MAX_PAGE:
        raise InputError(f"page is 1 to {MAX_PAGE}, not {page}", field="page")
    wanted = fold(query)
    if not wanted:
        matches = [language for language in catalogue() if language.ours]
    else:
        ranked = []
        for position, language in enumerate(catalogue()):
            level = _level(language, wanted)
            if level is not None:
                ranked.append((level, not language.ours, position, language))
        matches = [language for *_, language in sorted(ranked, key=lambda r: r[:3])]
    start = (page - 1) * PAGE_SIZE
    return LanguagePage(matches[start:start + PAGE_SIZE], page,
                        len(matches) > start + PAGE_SIZE)


def _level(language: LanguageName, wanted: str) -> int | None:
    if language.code == wanted:
        return 0
    if language.code.startswith(wanted) or any(n.startswith(wanted) for n in language.names):
        return 1
    if any(wanted in name for name in language.names):
        return 2
    return None

