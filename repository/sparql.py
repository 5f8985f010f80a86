"""What a read-only SPARQL query over one area of the store gives back, whichever backend runs it.

Both backends (the embedded :class:`repository.store.Store` and the remote
:class:`repository.remote_store.RemoteStore`) implement::

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer

and raise only the errors below (all :class:`~repository.errors.RepositoryError`, each with the
HTTP status an endpoint answers with). Serialising an answer is the endpoint's job.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from rdflib.term import Node, URIRef

from vocab.namespaces import PREFIXES, VOCAB_BASE
from vocab.schemes import SCHEME_NAMES

from .errors import RepositoryError

#: Defaults of the public endpoint (BRIEF §5; configurable in yuliao.toml ``[sparql]``).
DEFAULT_TIME_LIMIT_S = 10.0
DEFAULT_MAX_ROWS = 10_000


@dataclass(frozen=True)
class QueryLimits:
    """How long a query may run and how many rows (or triples) it may return."""

    seconds: float = DEFAULT_TIME_LIMIT_S
    max_rows: int = DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class Dataset:
    """The SPARQL 1.1 Protocol dataset (``default-graph-uri`` / ``named-graph-uri``).

    None for either list means "not given": the default graph is then the union of all graphs
    and every named graph is visible (FROM / FROM NAMED in the query still apply).
    """

    default_graphs: tuple[URIRef, ...] | None = None
    named_graphs: tuple[URIRef, ...] | None = None


@dataclass
class Solutions:
    """The answer of a SELECT: variable names in order, rows of bound variables."""

    variables: list[str]
    rows: list[dict[str, Node]] = field(default_factory=list)
    truncated: bool = False


@dataclass
class Triples:
    """The answer of a CONSTRUCT or DESCRIBE."""

    triples: list[tuple[Node, Node, Node]] = field(default_factory=list)
    truncated: bool = False


@dataclass(frozen=True)
class Boolean:
    """The answer of an ASK."""

    value: bool


Answer = Solutions | Triples | Boolean


class Evaluator(Protocol):
    """What runs a read-only query: the embedded Store and the RemoteStore."""

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer: ...


class QueryError(RepositoryError):
    """Root of the errors of a read-only query."""

    status = 400


class QuerySyntaxError(QueryError):
    """The query does not parse; the message carries the parser's message and position."""

    status = 400


class QueryRefused(QueryError):
    """A well-formed request this endpoint will not run (an update, SERVICE, LOAD …)."""

    status = 400


class QueryTimeout(QueryError):
    """The query ran past its time limit and was stopped."""

    status = 503


class QueryTooLarge(QueryError):
    """The query needed more memory than its limit and was stopped."""

    status = 503


class QueryBusy(QueryError):
    """The query was stopped because the endpoint is already running as many long queries as
    it allows; ``retry_after`` says in how many seconds to try again."""

    status = 503
    retry_after = 10


# -- what every backend predeclares --------------------------------------------------------------

#: The prefixes every query may use without declaring them (a query's own PREFIX wins): our
#: namespaces (vocab.namespaces.PREFIXES), the concept schemes of our vocabularies, and the few
#: vocabularies the VoID and DCAT descriptions use. One table: the query page shows it.
QUERY_PREFIXES: dict[str, str] = {
    **PREFIXES,
    **{scheme: f"{VOCAB_BASE}{scheme}/" for scheme in SCHEME_NAMES if scheme != "language"},
    "owl": "http://www.w3.org/2002/07/owl#",
    "void": "http://rdfs.org/ns/void#",
    "hydra": "http://www.w3.org/ns/hydra/core#",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
}


def prologue() -> str:
    """The predeclared prefixes as SPARQL ``PREFIX`` lines (for a backend that cannot take them
    as an option, and for the query page)."""
    return "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in QUERY_PREFIXES.items())


# -- the lexical safety check ------------------------------------------------------------------

#: Keywords that only occur in SPARQL Update, and SERVICE (federated query reaches the network).
REFUSED_KEYWORDS: dict[str, str] = {
    **{keyword: "an update" for keyword in (
        "INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH",
        "USING")},
    "SERVICE": "a federated query (SERVICE reaches other servers)",
}
#: Longest query accepted, in characters (a guard on the scan and the parser, not on results).
MAX_QUERY_CHARS = 100_000

# Tokens the scan skips: strings (long forms first), IRIs, comments, language tags, variables.
_SKIPPED = re.compile(r'''
      "{3}(?:[^"\\]|\\.|"(?!""))*"{3}
    | '{3}(?:[^'\\]|\\.|'(?!''))*'{3}
    | "(?:[^"\\\n\r]|\\.)*"
    | '(?:[^'\\\n\r]|\\.)*'
    | <[^<>"{}|^`\\\x00-\x20]*>
    | \#[^\n\r]*
    | @[A-Za-z]+(?:-[A-Za-z0-9]+)*
    | [?$][\w\u00B7\u0300-\u036F\u203F-\u2040]+
    | \s+
''', re.VERBOSE | re.DOTALL)
# A name: a keyword when it is letters only; prefixed names and blank nodes carry a colon.
_NAME = re.compile(r"[\w\-.:%\\]+")


@dataclass(frozen=True)
class Keyword:
    """A bare keyword of a query, upper-cased, and its offset in the query."""

    word: str
    offset: int


def line_column(query: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` in ``query``."""
    return query.count("\n", 0, offset) + 1, offset - (query.rfind("\n", 0, offset) + 1) + 1


def keywords(query: str) -> Iterator[Keyword]:
    """The bare keywords of ``query``, skipping strings, IRIs, comments, language tags,
    variables, prefixed names and numbers (a lexical scan, not a parse)."""
    position = 0
    while position < len(query):
        skipped = _SKIPPED.match(query, position)
        if skipped:
            position = skipped.end()
            continue
        name = _NAME.match(query, position)
        if name is None:
            position += 1
            continue
        word = name.group().rstrip(".")
        if word.isalpha() and word.isascii():
            yield Keyword(word.upper(), position)
        position = name.end()


def check_read_only(query: str) -> str:
    """``query`` when it may run on the public endpoint.

    Raises QueryRefused for an empty or overlong query, for anything an update is made of
    (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY, WITH, USING) and for SERVICE,
    naming the keyword and where it is. Backends call this before they parse.
    """
    if not query.strip():
        raise QueryRefused("the query is empty")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryRefused(f"the query has {len(query)} characters; at most "
                           f"{MAX_QUERY_CHARS} are accepted")
    for keyword in keywords(query):
        if keyword.word in REFUSED_KEYWORDS:
            line, column = line_column(query, keyword.offset)
            raise QueryRefused(
                f"{keyword.word} at line {line}, column {column}: this endpoint is read-only "
                f"and does not run {REFUSED_KEYWORDS[keyword.word]}")
    return query


def has_dataset_clause(query: str) -> bool:
    """True when ``query`` has FROM or FROM NAMED (its own dataset description)."""
    return any(keyword.word == "FROM" for keyword in keywords(query))
