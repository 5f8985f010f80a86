"""SHACL property paths, compiled: each gives the value nodes of a focus node by walking the
indexes of :class:`~shapes.engine.terms.Data`, and has its SPARQL form (what ``$PATH`` becomes
in a SPARQL constraint)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection as RDFList
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .results import ShapeError
from .terms import _EMPTY, Data, Values, _name


class _Path:
    """A compiled SHACL property path: ``values`` gives the value nodes, without duplicates;
    ``sparql`` is the path in SPARQL syntax, with full IRIs (what replaces ``$PATH``)."""

    __slots__ = ("sparql",)

    def values(self, data: Data, node: Node) -> Values:
        raise NotImplementedError

    def inverse(self) -> _Path:
        raise NotImplementedError


class _Predicate(_Path):
    __slots__ = ("iri",)

    def __init__(self, iri: Node) -> None:
        self.iri, self.sparql = iri, f"<{iri}>"

    def values(self, data: Data, node: Node) -> Values:
        return data.out.get(node, _EMPTY).get(self.iri, ())

    def inverse(self) -> _Path:
        return _InversePredicate(self.iri)


class _InversePredicate(_Path):
    __slots__ = ("iri",)

    def __init__(self, iri: Node) -> None:
        self.iri, self.sparql = iri, f"^<{iri}>"

    def values(self, data: Data, node: Node) -> Values:
        return data.subjects(self.iri, node)

    def inverse(self) -> _Path:
        return _Predicate(self.iri)


class _Sequence(_Path):
    __slots__ = ("steps",)

    def __init__(self, steps: Sequence[_Path]) -> None:
        self.steps = tuple(steps)
        self.sparql = "(" + "/".join(step.sparql for step in steps) + ")"

    def values(self, data: Data, node: Node) -> Values:
        nodes: Iterable[Node] = (node,)
        for step in self.steps:
            nodes = dict.fromkeys(v for n in nodes for v in step.values(data, n))
        return list(nodes)

    def inverse(self) -> _Path:
        return _Sequence([step.inverse() for step in reversed(self.steps)])


class _Alternative(_Path):
    __slots__ = ("members",)

    def __init__(self, members: Sequence[_Path]) -> None:
        self.members = tuple(members)
        self.sparql = "(" + "|".join(member.sparql for member in members) + ")"

    def values(self, data: Data, node: Node) -> Values:
        return list(dict.fromkeys(v for m in self.members for v in m.values(data, node)))

    def inverse(self) -> _Path:
        return _Alternative([member.inverse() for member in self.members])


class _Repeat(_Path):
    """``sh:zeroOrMorePath`` (``*``), ``sh:oneOrMorePath`` (``+``), ``sh:zeroOrOnePath`` (``?``)."""

    __slots__ = ("inner", "sign")

    def __init__(self, inner: _Path, sign: str) -> None:
        self.inner, self.sign, self.sparql = inner, sign, f"({inner.sparql}){sign}"

    def values(self, data: Data, node: Node) -> Values:
        first = self.inner.values(data, node)
        if self.sign == "?":
            return list(dict.fromkeys((node, *first)))
        seen: dict[Node, None] = {node: None} if self.sign == "*" else {}
        todo = list(first)
        while todo:
            current = todo.pop()
            if current not in seen:
                seen[current] = None
                todo.extend(self.inner.values(data, current))
        return list(seen)

    def inverse(self) -> _Path:
        return _Repeat(self.inner.inverse(), self.sign)


# --- reading a path from the shapes graph -----------------------------------------------------

def _path(g: Graph, node: Node) -> _Path:
    """The compiled SHACL property path ``node``; raises ShapeError for a malformed one."""
    if isinstance(node, URIRef):
        return _Predicate(node)
    if isinstance(node, Literal):
        raise ShapeError(f"a property path cannot be the literal {node!r}")
    if (node, RDF.first, None) in g:
        steps = [_path(g, step) for step in RDFList(g, node)]
        if len(steps) < 2:
            raise ShapeError("a sequence path needs at least two members")
        return _Sequence(steps)
    kinds = [(p, o) for p, o in g.predicate_objects(node)]
    if len(kinds) != 1:
        raise ShapeError(f"malformed property path {_name(node)}")
    kind, inner = kinds[0]
    if kind == SH.inversePath:
        return _path(g, inner).inverse()
    if kind == SH.alternativePath:
        members = [_path(g, m) for m in RDFList(g, inner)]
        if len(members) < 2:
            raise ShapeError("an alternative path needs at least two members")
        return _Alternative(members)
    signs = {SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?"}
    if kind in signs:
        return _Repeat(_path(g, inner), signs[kind])
    raise ShapeError(f"unknown property path {_name(kind)}")
