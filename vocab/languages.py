"""ISO 639 language codes, checked against the current ISO 639-3 tables (python-iso639).

Every language code that enters the repository goes through :func:`resolve`, so an unknown or
retired code is refused with a reason instead of becoming a dangling Lexvo IRI.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from iso639 import Language, LanguageNotFoundError
from rdflib import URIRef

from .namespaces import lexvo


class LanguageCodeError(ValueError):
    """A language code that is unknown, retired or not ISO 639 at all."""


@dataclass(frozen=True)
class LanguageInfo:
    """A current ISO 639-3 language: its code, reference name, scope and Lexvo IRI."""

    code: str
    name: str
    scope: str  # I individual, M macrolanguage, S special
    normalised_from: str | None = None  # the code as given, when it was Part 1/2 or upper case

    @property
    def iri(self) -> URIRef:
        return lexvo(self.code)

    @property
    def is_macrolanguage(self) -> bool:
        return self.scope == "M"


@lru_cache(maxsize=4096)
def resolve(code: str) -> LanguageInfo:
    """The current ISO 639-3 language for ``code`` (Part 1, 2B, 2T or 3, any case).

    Raises LanguageCodeError for an unknown code, a retired code (naming what replaced it)
    or a local-use code (qaa–qtz).
    """
    given = code.strip()
    normal = given.lower()
    if not (2 <= len(normal) <= 3 and normal.isascii() and normal.isalpha()):
        raise LanguageCodeError(f"{given!r} is not an ISO 639 code (two or three letters)")
    if "qaa" <= normal <= "qtz":
        raise LanguageCodeError(f"{given!r} is a local-use code (qaa–qtz), not a language")
    try:
        language = Language.match(normal)
    except LanguageNotFoundError:
        raise LanguageCodeError(f"{given!r} is not a known ISO 639-3 code") from None
    if language.status == "R":
        raise LanguageCodeError(_retired(given, language))
    return LanguageInfo(
        code=language.part3,
        name=language.name,
        scope=language.scope,
        normalised_from=given if given != language.part3 else None,
    )


def _retired(given: str, language: Language) -> str:
    remedy = language.retire_remedy or (
        f"use {language.retire_change_to}" if language.retire_change_to else "no successor"
    )
    return f"{given!r} ({language.name}) is a retired ISO 639-3 code: {remedy}"


def is_valid(code: str) -> bool:
    """True when :func:`resolve` accepts ``code``."""
    try:
        resolve(code)
    except LanguageCodeError:
        return False
    return True
