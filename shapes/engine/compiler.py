"""Reads a shapes graph into :class:`~shapes.engine.shape.Shape` objects: finds every shape
(pyshacl's definition), refuses what the engine does not implement, and compiles each shape
once (what it refers to first) with its path, targets and constraints, the constraints through
the readers of ``readers``."""

from __future__ import annotations

from collections.abc import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection as RDFList
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.term import Node

from .constraints import Constraint, _ValueConstraint
from .constraints_logical import _Logical, _NodeShape, _Not, _PropertyShape, _Qualified
from .constraints_value import _Closed, _LessThan, _UniqueLang
from .paths import _path
from .readers import _READERS, _SECONDARY, _check_secondary
from .results import ShapeError
from .shape import Shape, _Targets
from .sparql import _Sparql
from .terms import _SH, _SUBCLASS, _TYPE, _name

_DESCRIPTIVE = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message,
                SH.severity, SH.deactivated, SH.path, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf}
_SHAPE_VALUED = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
# constraints that give nothing for a focus node without value nodes (not sh:equals: the focus
# node may have values for the other property)
_PER_VALUE = (_ValueConstraint, _NodeShape, _PropertyShape, _UniqueLang, _LessThan, _Closed)


class _Compiler:
    """Reads every shape of a shapes graph into :class:`Shape` objects; raises ShapeError."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        for component in graph.subjects(_TYPE, SH.ConstraintComponent):
            raise ShapeError(f"custom constraint components such as {_name(component)} are not "
                             "supported: their parameters would be ignored")
        self.paths = _discover(graph)
        self.shapes: dict[Node, Shape] = {}
        self.reach: dict[Shape, frozenset[_Sparql]] = {}
        self._building: list[Node] = []
        self._class_types = {RDFS.Class, OWL.Class, *graph.subjects(_SUBCLASS, RDFS.Class)}
        for node in sorted(self.paths, key=str):
            self.shape(node)

    def shape(self, node: Node) -> Shape:
        """The compiled shape ``node``, compiling what it refers to first."""
        if node in self.shapes:
            return self.shapes[node]
        if node not in self.paths:
            raise ShapeError(f"{_name(node)} is used as a shape but is not one")
        if node in self._building:
            cycle = " → ".join(_name(n) for n in (*self._building, node))
            raise ShapeError(f"recursive shapes are not supported: {cycle}")
        self._building.append(node)
        try:
            compiled = self._compile(node)
        finally:
            self._building.pop()
        self.shapes[node] = compiled
        return compiled

    def _compile(self, node: Node) -> Shape:
        g, path_node = self.g, self.paths[node]
        used = {p for p in g.predicates(node) if str(p).startswith(_SH)}
        unknown = sorted(used - _DESCRIPTIVE - set(_READERS) - set(_SECONDARY), key=str)
        if unknown:
            raise ShapeError(f"shape {_name(node)}: the SHACL engine does not implement "
                             f"{', '.join(_name(p) for p in unknown)}")
        shape = Shape(node, _path(g, path_node) if path_node is not None else None, path_node,
                      self._one(node, SH.severity) or SH.Violation, self._deactivated(node),
                      self._targets(node))
        messages = tuple(g.objects(node, SH.message))
        constraints: list[Constraint] = []
        for parameter in sorted(used & set(_READERS), key=str):
            for constraint in _READERS[parameter](self, shape, node):
                if not isinstance(constraint, _Sparql):
                    constraint.messages = messages or (Literal(constraint.generic),)
                constraints.append(constraint)
        _check_secondary(node, used)
        shape.constraints = tuple(constraints)
        shape.needs_values = all(isinstance(c, _PER_VALUE) for c in constraints)
        self.reach[shape] = frozenset(
            {c for c in constraints if isinstance(c, _Sparql)}.union(
                *(self.reach[s] for s in _referenced(constraints)))
        )
        return shape

    # -- reading values ---------------------------------------------------------------------

    def _one(self, node: Node, predicate: URIRef) -> Node | None:
        values = list(self.g.objects(node, predicate))
        if len(values) > 1:
            raise ShapeError(f"shape {_name(node)} has {len(values)} values for {_name(predicate)}")
        return values[0] if values else None

    def _list(self, node: Node, predicate: URIRef, head: Node) -> list[Node]:
        if head == RDF.nil or (head, RDF.first, None) not in self.g:
            raise ShapeError(f"shape {_name(node)}: {_name(predicate)} needs a non-empty list")
        return list(RDFList(self.g, head))

    def _integer(self, node: Node, predicate: URIRef) -> int | None:
        value = self._one(node, predicate)
        if value is None:
            return None
        if not (isinstance(value, Literal) and isinstance(value.value, int)
                and not isinstance(value.value, bool) and value.value >= 0):
            raise ShapeError(f"shape {_name(node)}: {_name(predicate)} must be an integer ≥ 0")
        return value.value

    def _deactivated(self, node: Node) -> bool:
        value = self._one(node, SH.deactivated)
        if value is None:
            return False
        if not (isinstance(value, Literal) and isinstance(value.value, bool)):
            raise ShapeError(f"shape {_name(node)}: sh:deactivated must be an xsd:boolean")
        return value.value

    def _targets(self, node: Node) -> _Targets:
        g = self.g
        implicit = (node,) if self._class_types.intersection(g.objects(node, _TYPE)) else ()
        return _Targets(
            nodes=tuple(g.objects(node, SH.targetNode)),
            classes=(*g.objects(node, SH.targetClass), *implicit),
            subjects_of=tuple(g.objects(node, SH.targetSubjectsOf)),
            objects_of=tuple(g.objects(node, SH.targetObjectsOf)),
        )

    def property_only(self, shape: Shape, parameter: URIRef) -> None:
        if shape.path is None:
            raise ShapeError(f"node shape {_name(shape.node)} cannot have {_name(parameter)}")

    def single(self, shape: Shape, parameter: URIRef) -> Node:
        value = self._one(shape.node, parameter)
        assert value is not None  # only called for parameters the shape has
        return value


def _discover(g: Graph) -> dict[Node, Node | None]:
    """Every shape of ``g`` (pyshacl's definition) → its sh:path, None for node shapes."""
    node_shapes = set(g.subjects(_TYPE, SH.NodeShape))
    property_shapes = set(g.subjects(_TYPE, SH.PropertyShape))
    if node_shapes & property_shapes:
        raise ShapeError(f"{_name(min(node_shapes & property_shapes))} is typed both "
                         "sh:NodeShape and sh:PropertyShape")
    found = node_shapes | property_shapes
    for predicate in (SH.targetClass, SH.targetNode, SH.targetObjectsOf, SH.targetSubjectsOf,
                      SH.property, SH.node):
        found.update(g.subjects(predicate, None))
    for predicate in _SHAPE_VALUED:
        found.update(g.objects(None, predicate))
    for predicate in _SHAPE_LISTS:
        for head in g.objects(None, predicate):
            found.update(RDFList(g, head))
    paths: dict[Node, Node | None] = {}
    for node in found:
        values = list(g.objects(node, SH.path))
        if len(values) > 1 or (node in property_shapes and not values):
            raise ShapeError(f"shape {_name(node)} needs exactly one sh:path")
        if node in node_shapes and values:
            raise ShapeError(f"node shape {_name(node)} cannot have a sh:path")
        if isinstance(node, Literal):
            raise ShapeError(f"the literal {node!r} is used as a shape")
        paths[node] = values[0] if values else None
    return paths


def _referenced(constraints: Iterable[Constraint]) -> list[Shape]:
    """The shapes ``constraints`` evaluate."""
    found: list[Shape] = []
    for c in constraints:
        if isinstance(c, _PropertyShape | _NodeShape):
            found.append(c.target)
        elif isinstance(c, _Qualified):
            found.extend((c.target, *c.siblings))
        elif isinstance(c, _Logical):
            found.extend(c.members)
        elif isinstance(c, _Not):
            found.append(c.shape)
    return found
