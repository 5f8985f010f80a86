"""What the query processes and the pool say to each other, over a pair of pipes.

Every message is one pickled object in a length-prefixed frame
(:class:`multiprocessing.connection.Connection` over the pipe's file descriptors). Both ends
are this project's own code, so pickle is safe here: nothing from the network is unpickled.

Answers travel with their terms as plain tuples (:func:`encode`), not as rdflib terms: an
unpickled rdflib ``Literal`` is normalised again (``"01"^^xsd:integer`` would come back as
``"1"``), and tuples are several times cheaper to pickle.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from multiprocessing.connection import Connection

from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

from ..config import RemoteEndpoints
from ..errors import RepositoryError, StoreError
from ..remote_store import RequestLimits
from ..sparql import (
    Answer,
    Boolean,
    Dataset,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    QueryTooLarge,
    Solutions,
    Triples,
)

Term = tuple[str, ...]

#: The errors a query process reports, by name (anything else is a StoreError).
ERRORS: dict[str, type[RepositoryError]] = {
    cls.__name__: cls for cls in (QuerySyntaxError, QueryRefused, QueryTimeout, QueryTooLarge,
                                StoreError)}


@dataclass(frozen=True)
class Hello:
    """The first message to a new query process: how much memory it may use (bytes beyond
    what it has when it starts), and the SPARQL server to ask when the public area is remote,
    else the snapshot to open before it says it is ready (each query names the one to use)."""

    memory_limit: int
    remote: tuple[RemoteEndpoints, RequestLimits] | None = None
    snapshot: str | None = None


@dataclass(frozen=True)
class Ask:
    """One query for a query process: on the snapshot ``snapshot`` (embedded), within
    ``seconds``, at most ``max_rows`` rows."""

    query: str
    dataset: Dataset | None
    seconds: float
    max_rows: int
    snapshot: str | None = None


@dataclass
class Reply:
    """A query process's answer (``answer``, terms encoded) or error (``error`` names one of
    :data:`ERRORS`, ``message`` says what happened)."""

    answer: tuple | None = None
    error: str | None = None
    message: str = ""
    stats: dict = field(default_factory=dict)


def send(connection: Connection, message: object) -> None:
    """Send one message. Raises OSError (BrokenPipeError) when the other end is gone."""
    connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def receive(connection: Connection) -> object:
    """The next message. Raises EOFError when the other end closed or died."""
    return pickle.loads(connection.recv_bytes())


def encode(term: Node) -> Term:
    """``term`` as a tuple: ("u", iri), ("b", id) or ("l", text, language, datatype)."""
    if isinstance(term, URIRef):
        return ("u", str(term))
    if isinstance(term, BNode):
        return ("b", str(term))
    literal: Literal = term  # type: ignore[assignment]
    return ("l", str(literal), literal.language or "",
            str(literal.datatype) if literal.datatype else "")


def decode(term: Term) -> Node:
    """The rdflib term of a tuple made by :func:`encode` (literals kept as written)."""
    kind, value = term[0], term[1]
    if kind == "u":
        return URIRef(value)
    if kind == "b":
        return BNode(value)
    language, datatype = term[2], term[3]
    if language:
        return Literal(value, lang=language)
    if datatype:
        return Literal(value, datatype=URIRef(datatype), normalize=False)
    return Literal(value)


def pack(answer: Answer) -> tuple:
    """``answer`` with its terms encoded, for the pipe."""
    if isinstance(answer, Boolean):
        return ("boolean", answer.value)
    if isinstance(answer, Solutions):
        rows = [{name: encode(term) for name, term in row.items()} for row in answer.rows]
        return ("solutions", answer.variables, rows, answer.truncated)
    triples = [tuple(encode(term) for term in triple) for triple in answer.triples]
    return ("triples", triples, answer.truncated)


def unpack(packed: tuple) -> Answer:
    """The answer :func:`pack` encoded."""
    if packed[0] == "boolean":
        return Boolean(packed[1])
    if packed[0] == "solutions":
        _, variables, rows, truncated = packed
        return Solutions(variables=variables, truncated=truncated, rows=[
            {name: decode(term) for name, term in row.items()} for row in rows])
    _, triples, truncated = packed
    return Triples(truncated=truncated, triples=[
        (decode(s), decode(p), decode(o)) for s, p, o in triples])


def error_of(reply: Reply) -> RepositoryError:
    """The exception a process reported."""
    return ERRORS.get(reply.error or "", StoreError)(reply.message)
