"""Text matching inside SPARQL: ``yl:titleMatches`` and ``yl:textMatches``, answered by the
full-text index rather than by a scan.

Oxigraph has no text index, so ``FILTER(CONTAINS(?title, "口述歷史"))`` reads every title in
the store (seconds at a million records). Like Jena's ``text:query`` or Virtuoso's
``bif:contains``, two properties ask the text index instead::

    ?dataset yl:titleMatches "口述歷史" .          # titles
    ?dataset yl:textMatches ("oral history" 50) .  # titles, descriptions, keywords; 50 hits

Before the query reaches the store, each such triple is replaced by
``VALUES ?dataset { <iri> … }`` holding the datasets the index finds (best first; see
:mod:`repository.textindex` for what matches: exact substrings of Chinese text, whole words of
Latin text). The rest of the query joins, filters and counts as usual.

Limits: a pattern draws at most :data:`DEFAULT_HITS` datasets from the index, or the number it
gives (at most :data:`MAX_HITS`); an answer built on a pattern that had more matches than it
drew is marked truncated. The pattern must start its triple: ``?var``, the property, a string
or ``(string count)``, then ``.``, ``}`` or ``;`` (more predicates of ``?var`` follow). Any
other use of the two properties is refused with its line and column, rather than silently
matching nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from vocab.namespaces import YL

from .errors import InputError
from .sparql import (
    QUERY_PREFIXES,
    Answer,
    Dataset,
    Evaluator,
    QueryLimits,
    QueryRefused,
    Solutions,
    Triples,
    line_column,
)

#: Datasets a pattern draws from the index when it does not say; and the most it may ask for.
DEFAULT_HITS = 1_000
MAX_HITS = 10_000
#: The index field each property searches.
FIELDS = {str(YL.titleMatches): "title", str(YL.textMatches): "text"}


class Hits(Protocol):
    """What the text index answers: dataset IRIs, best first, and how many matched in all."""

    iris: tuple[str, ...]
    total: int


Search = Callable[[str, str, int], Hits]  # (text, field, limit) → hits


@dataclass(frozen=True)
class Expansion:
    """A query with its text patterns replaced, and whether any pattern was cut short."""

    query: str
    truncated: bool = False


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


_TOKENS = re.compile(r'''
      (?P<space>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>(?:"{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}
                 |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
                 (?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*)?)
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+)
    | (?P<integer>[0-9]+(?![\w.]))
    | (?P<name>[\w\-:%\\]+(?:\.+[\w\-:%\\]+)*)
    | (?P<punct>.)
''', re.VERBOSE | re.DOTALL)
_STARTS = {"{", ".", "}", ")"}  # what may come right before a triple's subject
_ENDS = {".", "}", ";"}
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\"}


def tokens(query: str) -> list[Token]:
    """The tokens of ``query`` other than spaces and comments (a lexical scan, not a parse)."""
    found = []
    for match in _TOKENS.finditer(query):
        if match.lastgroup not in ("space", "comment"):
            found.append(Token(match.lastgroup, match.group(), match.start(), match.end()))
    return found


def expand(query: str, search: Search) -> Expansion:
    """``query`` with each text pattern replaced by the datasets ``search`` finds.

    Raises QueryRefused naming the line and column of a text property used in any other form,
    of a pattern asking for more than MAX_HITS and of a text the index cannot search (no
    letter, digit or CJK character); and what ``search`` raises when the index fails.
    """
    if "Matches" not in query:  # neither property can be there: no scan
        return Expansion(query)
    found = tokens(query)
    prefixes = _prefixes(found)
    pieces, position, truncated = [], 0, False
    for index, token in enumerate(found):
        field = FIELDS.get(_iri(token, prefixes) or "")
        if field is None:
            continue
        pattern = _pattern(query, found, index)
        hits = _search(search, query, token, pattern, field)
        truncated |= pattern.limited_by_default and hits.total > len(hits.iris)
        pieces += [query[position:pattern.start], _values(pattern.variable, hits.iris),
                   f" {pattern.variable}" if pattern.continued else ""]
        position = pattern.end
    return Expansion("".join(pieces) + query[position:], truncated)


class TextMatching:
    """An :class:`~repository.sparql.Evaluator` that answers the text patterns of a query from
    a text index (anything with ``search(text, field, limit)``) and the rest on ``store``."""

    def __init__(self, store: Evaluator, search: Search) -> None:
        self.store, self.search = store, search

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer:
        """The answer of ``query``; raises what :func:`expand` and the store raise."""
        expansion = expand(query, self.search)
        answer = self.store.evaluate(expansion.query, limits=limits, dataset=dataset)
        return mark_truncated(answer, expansion)


def mark_truncated(answer: Answer, expansion: Expansion) -> Answer:
    """``answer``, marked truncated when a text pattern of its query was cut short."""
    if expansion.truncated and isinstance(answer, Solutions | Triples):
        answer.truncated = True
    return answer


@dataclass(frozen=True)
class Pattern:
    """One text pattern: its variable, text, hit limit and span in the query."""

    variable: str
    text: str
    limit: int
    limited_by_default: bool
    start: int
    end: int
    continued: bool = False  # followed by ';': the subject's other predicates come next


def _pattern(query: str, found: list[Token], index: int) -> Pattern:
    """The pattern whose property is ``found[index]``. Raises QueryRefused when the tokens
    around it are not ``?var <property> "text"`` or ``?var <property> ("text" n)`` followed by
    ``.``, ``;`` or ``}``."""
    subject = found[index - 1] if index else None
    before = found[index - 2] if index > 1 else None
    if subject is None or subject.kind != "var" or (before and before.text not in _STARTS):
        _refuse(query, found[index], "its subject must be a variable starting a triple")
    text, limit, after = _object(query, found, index + 1)
    end = found[after] if after < len(found) else None
    if end is None or end.text not in _ENDS:
        _refuse(query, found[index], "the triple must end with '.', ';' or '}'")
    stop = end.start if end.text == "}" else end.end
    return Pattern(subject.text, text, limit or DEFAULT_HITS, limit is None, subject.start, stop,
                   end.text == ";")


def _search(search: Search, query: str, token: Token, pattern: Pattern, field: str) -> Hits:
    """The hits of ``pattern``; a text the index cannot search is refused with its place."""
    try:
        return search(pattern.text, field, pattern.limit)
    except InputError as error:
        _refuse(query, token, f"cannot search for {pattern.text!r}: {error.reason}")
        raise AssertionError from error  # unreachable: _refuse raises


def _object(query: str, found: list[Token], at: int) -> tuple[str, int | None, int]:
    """The text, the limit (None: not given) and the index of the token after the object."""
    kinds = [t.kind for t in found[at:at + 4]]
    texts = [t.text for t in found[at:at + 4]]
    if kinds[:1] == ["string"]:
        return _string(found[at].text), None, at + 1
    if texts[:1] == ["("] and kinds[1:3] == ["string", "integer"] and texts[3:4] == [")"]:
        limit = int(found[at + 2].text)
        if not 1 <= limit <= MAX_HITS:
            _refuse(query, found[at + 2], f"the number of hits must be from 1 to {MAX_HITS}")
        return _string(found[at + 1].text), limit, at + 4
    _refuse(query, found[at - 1], 'its object must be "text" or ("text" hits)')
    raise AssertionError  # unreachable: _refuse raises


def _string(literal: str) -> str:
    """The value of a SPARQL string literal token (its language tag, if any, dropped)."""
    quote = literal[0]
    body = literal.rsplit(quote, 1)[0]
    body = body[3:] if body.startswith(quote * 3) else body[1:]
    return re.sub(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})|\\(.)", _unescape, body)


def _unescape(match: re.Match) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _ESCAPES.get(match.group(3), match.group(3))


def _values(variable: str, iris: tuple[str, ...]) -> str:
    return f"VALUES {variable} {{ {' '.join(f'<{iri}>' for iri in iris)} }}"


def _prefixes(found: list[Token]) -> dict[str, str]:
    """The predeclared prefixes overridden by the query's own PREFIX declarations."""
    declared = dict(QUERY_PREFIXES)
    for first, name, iri in zip(found, found[1:], found[2:], strict=False):
        if first.text.upper() == "PREFIX" and name.text.endswith(":") and iri.kind == "iri":
            declared[name.text[:-1]] = iri.text[1:-1]
    return declared


def _iri(token: Token, prefixes: dict[str, str]) -> str | None:
    """The IRI a predicate token stands for (None for anything but an IRI or prefixed name)."""
    if token.kind == "iri":
        return token.text[1:-1]
    if token.kind == "name" and ":" in token.text:
        prefix, local = token.text.split(":", 1)
        return prefixes[prefix] + local if prefix in prefixes else None
    return None


def _refuse(query: str, token: Token, problem: str) -> None:
    line, column = line_column(query, token.start)
    raise QueryRefused(f"{token.text} at line {line}, column {column}: {problem} "
                       '(write ?dataset yl:titleMatches "text" . or '
                       '?dataset yl:textMatches ("text" 50) .)')
