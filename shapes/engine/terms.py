"""The record graph as the engine reads it, and how its terms are named and compared.

:class:`Data` indexes one record graph (subject → predicate → objects and back), reading rdflib's
own indexes in place when it can. Beside it: :func:`_name` (a node as an error message shows
it), the node kinds of ``sh:nodeKind``, and value comparisons as pyshacl makes them (for the
``sh:minInclusive`` family and for ``sh:lessThan`` / ``sh:lessThanOrEquals``).
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, time
from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.plugins.stores.memory import Memory
from rdflib.term import Node

from repository.triples import TripleIndex

if TYPE_CHECKING:
    from .sparql import _SparqlRuns

_TYPE, _SUBCLASS = RDF.type, RDFS.subClassOf
_EMPTY: dict = {}
Values = Collection[Node]  # the value nodes of a focus node, without duplicates
_SH = str(SH)


# --- the data graph --------------------------------------------------------------------------

class Data:
    """One record graph, indexed as subject → predicate → objects and predicate → object →
    subjects (each a collection without duplicates; never modify them). ``sparql`` answers the
    SPARQL constraints of the record's batch.

    A graph alone in an rdflib Memory store (how rdflib makes a ``Graph()``) already has both
    indexes: they are read in place, so indexing costs nothing. That reads rdflib 7's private
    ``Memory`` attributes, guarded: any other store, a store shared with other graphs or a
    renamed attribute falls back to building the index from the graph's triples.
    """

    __slots__ = ("out", "sparql", "_in")

    def __init__(self, graph: Graph, sparql: _SparqlRuns | None = None) -> None:
        self.sparql = sparql
        indexes = _store_indexes(graph)
        if indexes is not None:
            self.out, self._in = indexes
            return
        out: dict[Node, dict[Node, list[Node]]] = {}
        for s, p, o in graph:
            by_predicate = out.get(s)
            if by_predicate is None:
                out[s] = {p: [o]}
            else:
                objects = by_predicate.get(p)
                if objects is None:
                    by_predicate[p] = [o]
                else:
                    objects.append(o)
        self.out: dict[Node, dict[Node, Collection[Node]]] = out
        self._in: dict[Node, dict[Node, Collection[Node]]] | None = None

    def objects(self, subject: Node, predicate: Node) -> Collection[Node]:
        """The objects of ``subject predicate ?o``."""
        return self.out.get(subject, _EMPTY).get(predicate, ())

    def subjects(self, predicate: Node, obj: Node) -> Collection[Node]:
        """The subjects of ``?s predicate obj``."""
        return self._inverse().get(predicate, _EMPTY).get(obj, ())

    def subjects_of(self, predicate: Node) -> list[Node]:
        """Every subject of a triple with ``predicate``."""
        return [s for s, by_predicate in self.out.items() if by_predicate.get(predicate)]

    def objects_of(self, predicate: Node) -> list[Node]:
        """Every object of a triple with ``predicate``."""
        return [o for o, subjects in self._inverse().get(predicate, _EMPTY).items() if subjects]

    def instances(self, cls: Node) -> list[Node]:
        """The subjects typed ``cls`` or one of its ``rdfs:subClassOf*`` subclasses here."""
        classes = _closure(cls, lambda c: self.subjects(_SUBCLASS, c))
        return list(dict.fromkeys(s for c in classes for s in self.subjects(_TYPE, c)))

    def is_instance(self, node: Node, cls: Node) -> bool:
        """Whether ``node`` has an ``rdf:type`` that is ``cls`` or an ``rdfs:subClassOf*`` of it."""
        for node_type in self.objects(node, _TYPE):
            if node_type == cls or cls in _closure(node_type, lambda c: self.objects(c, _SUBCLASS)):
                return True
        return False

    def _inverse(self) -> dict[Node, dict[Node, Collection[Node]]]:
        if self._in is None:
            inverse: dict[Node, dict[Node, list[Node]]] = {}
            for s, by_predicate in self.out.items():
                for p, objects in by_predicate.items():
                    by_object = inverse.setdefault(p, {})
                    for o in objects:
                        by_object.setdefault(o, []).append(s)
            self._in = inverse  # type: ignore[assignment]
        return self._in  # type: ignore[return-value]


def _store_indexes(graph: Graph | TripleIndex) -> tuple[dict, dict] | None:
    """rdflib's own spo and pos indexes of ``graph`` when it holds every triple of its Memory
    store (checked in O(1)), a TripleIndex's own indexes, else None."""
    if isinstance(graph, TripleIndex):
        return graph.indexes()
    store = getattr(graph, "store", None)
    if type(store) is not Memory or len(graph) != store.__len__():
        return None
    spo, pos = getattr(store, "_Memory__spo", None), getattr(store, "_Memory__pos", None)
    if not isinstance(spo, dict) or not isinstance(pos, dict):
        return None
    return spo, pos


def _closure(start: Node, step: Callable[[Node], Iterable[Node]]) -> dict[Node, None]:
    """``start`` and every node reachable from it through ``step`` (an ordered set)."""
    seen = {start: None}
    todo = [start]
    while todo:
        for nxt in step(todo.pop()):
            if nxt not in seen:
                seen[nxt] = None
                todo.append(nxt)
    return seen


# --- naming nodes -----------------------------------------------------------------------------

def _name(node: Node) -> str:
    """A node as it reads in an error message."""
    text = str(node)
    if text.startswith(_SH):
        return "sh:" + text[len(_SH):]
    return f"<{text}>" if isinstance(node, URIRef) else f"_:{text}"


# --- node kinds and value comparisons ---------------------------------------------------------

_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


_ORDER = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


def _compare_literals(a: Literal, b: Literal) -> int:
    """-1, 0 or 1 as pyshacl's compare_literal orders them; raises TypeError when it cannot."""
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime, time):
        if a.value == b.value:
            return 0
        return 1 if a.value > b.value else -1
    return 1 if a > b else -1


def _comparable(node: Node) -> tuple[object, bool]:
    """``node`` as pyshacl compares it: IRIs and string literals as strings."""
    if isinstance(node, URIRef):
        return str(node), True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False
