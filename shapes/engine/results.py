"""What the engine reports: a :class:`Result` per validation result, a :class:`ShapeError` for
a shapes graph it cannot compile."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import URIRef
from rdflib.term import Node

from repository.errors import RepositoryError


class ShapeError(RepositoryError):
    """The shapes graph is malformed or uses SHACL this engine does not implement."""


@dataclass(frozen=True, slots=True)
class Result:
    """One validation result, as a ``sh:ValidationResult`` would state it.

    ``path`` is the ``sh:resultPath``: a path node of the shapes graph (a property shape's
    ``sh:path``) or a predicate (``sh:closed``, a SPARQL ``?path``); ``None`` for node shapes.
    ``messages`` are the ``sh:resultMessage`` literals. A ``sh:node`` result has the results
    of the nested shape as ``details``.
    """

    focus: Node
    shape: Node
    component: URIRef
    severity: Node
    messages: tuple[Node, ...]
    path: Node | None = None
    value: Node | None = None
    constraint: Node | None = None
    details: tuple[Result, ...] = ()
