"""One reader per primary SHACL parameter: it checks the parameter's values in the shapes graph
and makes a shape's constraint objects for it. :data:`_READERS` maps each parameter to its
reader; :data:`_SECONDARY` lists the parameters read together with a primary one."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .constraints import Constraint
from .constraints_logical import (
    _And,
    _Logical,
    _NodeShape,
    _Not,
    _Or,
    _PropertyShape,
    _Qualified,
    _Xone,
)
from .constraints_value import (
    _Class,
    _Closed,
    _Count,
    _Datatype,
    _HasValue,
    _In,
    _LanguageIn,
    _Length,
    _LessThan,
    _NodeKind,
    _Pattern,
    _PropertyPair,
    _Range,
    _UniqueLang,
)
from .results import ShapeError
from .shape import Shape
from .sparql import _compile_sparql
from .terms import _NODE_KINDS, _name

if TYPE_CHECKING:
    from .compiler import _Compiler


# One reader per primary parameter: (compiler, shape, shape node) → constraints.
Reader = Callable[["_Compiler", Shape, Node], list[Constraint]]


def _read_count(parameter: URIRef, most: bool) -> Reader:
    def read(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
        c.property_only(shape, parameter)
        limit = c._integer(node, parameter)
        assert limit is not None
        component = SH.MaxCountConstraintComponent if most else SH.MinCountConstraintComponent
        return [] if limit == 0 and not most else [_Count(component, limit, most)]
    return read


def _read_length(parameter: URIRef, most: bool) -> Reader:
    def read(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
        limit = c._integer(node, parameter)
        assert limit is not None
        component = SH.MaxLengthConstraintComponent if most else SH.MinLengthConstraintComponent
        return [_Length(component, limit, most)]
    return read


def _read_range(parameter: URIRef) -> Reader:
    def read(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
        bounds = list(c.g.objects(node, parameter))
        if not all(isinstance(b, Literal) for b in bounds):
            raise ShapeError(f"shape {_name(node)}: {_name(parameter)} must be a literal")
        return [_Range(parameter, b) for b in bounds]
    return read


def _read_pair(parameter: URIRef) -> Reader:
    def read(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
        predicates = list(c.g.objects(node, parameter))
        if not all(isinstance(p, URIRef) for p in predicates):
            raise ShapeError(f"shape {_name(node)}: {_name(parameter)} must be an IRI")
        if parameter in (SH.equals, SH.disjoint):
            return [_PropertyPair(p, parameter == SH.equals) for p in predicates]
        c.property_only(shape, parameter)
        return [_LessThan(p, parameter == SH.lessThanOrEquals) for p in predicates]
    return read


def _read_not(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    return [_Not(c.shape(member)) for member in c.g.objects(node, SH["not"])]


def _read_logical(parameter: URIRef, kind: type[_Logical]) -> Reader:
    component = SH[str(parameter).rsplit("#", 1)[1].capitalize() + "ConstraintComponent"]

    def read(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
        found: list[Constraint] = []
        for head in c.g.objects(node, parameter):
            members = c._list(node, parameter, head)
            if parameter != SH.xone:  # pyshacl takes sh:and / sh:or members as a set
                members = list(dict.fromkeys(members))
            found.append(kind(component, [c.shape(m) for m in members]))
        return found
    return read


def _read_class(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    return [_Class(cls) for cls in c.g.objects(node, SH["class"])]


def _read_datatype(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    return [_Datatype(c.single(shape, SH.datatype))]


def _read_node_kind(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    kind = c.single(shape, SH.nodeKind)
    if kind not in _NODE_KINDS:
        raise ShapeError(f"shape {_name(node)}: unknown sh:nodeKind {_name(kind)}")
    return [_NodeKind(kind)]


_FLAGS = {"i": re.I, "m": re.M, "s": re.S, "q": 0}


def _read_pattern(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    flags_value = c._one(node, SH.flags)
    flags = str(flags_value) if flags_value is not None else ""
    if not set(flags) <= set(_FLAGS):
        raise ShapeError(f"shape {_name(node)}: sh:flags {flags!r} is not supported "
                         f"(supported: {''.join(_FLAGS)})")
    re_flags = 0
    for flag in flags:
        re_flags |= _FLAGS[flag]
    found: list[Constraint] = []
    for pattern in c.g.objects(node, SH.pattern):
        if not isinstance(pattern, Literal):
            raise ShapeError(f"shape {_name(node)}: sh:pattern must be a literal")
        text = re.escape(str(pattern)) if "q" in flags else str(pattern)
        try:
            found.append(_Pattern(re.compile(text, re_flags)))
        except re.error as exc:
            raise ShapeError(f"shape {_name(node)}: bad sh:pattern {pattern!s}: {exc}") from exc
    return found


def _read_language_in(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    members = c._list(node, SH.languageIn, c.single(shape, SH.languageIn))
    if not all(isinstance(m, Literal) and isinstance(m.value, str) for m in members):
        raise ShapeError(f"shape {_name(node)}: sh:languageIn members must be strings")
    return [_LanguageIn([str(m) for m in members])]


def _read_unique_lang(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    c.property_only(shape, SH.uniqueLang)
    value = c.single(shape, SH.uniqueLang)
    if not (isinstance(value, Literal) and isinstance(value.value, bool)):
        raise ShapeError(f"shape {_name(node)}: sh:uniqueLang must be an xsd:boolean")
    return [_UniqueLang()] if value.value else []


def _read_in(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    head = c.single(shape, SH["in"])
    return [_In([] if head == RDF.nil else c._list(node, SH["in"], head))]


def _read_has_value(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    return [_HasValue(term) for term in set(c.g.objects(node, SH.hasValue))]


def _read_node(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    found: list[Constraint] = []
    for target in c.g.objects(node, SH.node):
        if c.paths.get(target) is not None:
            raise ShapeError(f"shape {_name(node)}: sh:node {_name(target)} is a property shape")
        found.append(_NodeShape(c.shape(target)))
    return found


def _read_property(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    found: list[Constraint] = []
    for target in c.g.objects(node, SH.property):
        if c.paths.get(target) is None:
            raise ShapeError(f"shape {_name(node)}: sh:property {_name(target)} has no sh:path")
        found.append(_PropertyShape(c.shape(target)))
    return found


def _read_qualified(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    c.property_only(shape, SH.qualifiedValueShape)
    least = c._integer(node, SH.qualifiedMinCount)
    most = c._integer(node, SH.qualifiedMaxCount)
    if least is None and most is None:
        raise ShapeError(f"shape {_name(node)}: sh:qualifiedValueShape needs "
                         "sh:qualifiedMinCount or sh:qualifiedMaxCount")
    disjoint = c._one(node, SH.qualifiedValueShapesDisjoint)
    if disjoint is not None and not (isinstance(disjoint, Literal)
                                     and isinstance(disjoint.value, bool)):
        raise ShapeError(f"shape {_name(node)}: sh:qualifiedValueShapesDisjoint must be boolean")
    found: list[Constraint] = []
    for target in set(c.g.objects(node, SH.qualifiedValueShape)):
        siblings: set[Node] = set()
        if disjoint is not None and disjoint.value:
            for parent in c.g.subjects(SH.property, node):
                for other in c.g.objects(parent, SH.property):
                    siblings.update(c.g.objects(other, SH.qualifiedValueShape))
            siblings.discard(target)
        found.append(_Qualified(c.shape(target), [c.shape(s) for s in sorted(siblings, key=str)],
                                least, most))
    return found


def _read_closed(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    closed = c.single(shape, SH.closed)
    if not (isinstance(closed, Literal) and isinstance(closed.value, bool)):
        raise ShapeError(f"shape {_name(node)}: sh:closed must be an xsd:boolean")
    if not closed.value:
        return []
    allowed = {c.paths.get(p) for p in c.g.objects(node, SH.property)}
    for head in c.g.objects(node, SH.ignoredProperties):
        allowed.update([] if head == RDF.nil else c._list(node, SH.ignoredProperties, head))
    return [_Closed(a for a in allowed if a is not None)]


def _read_sparql(c: _Compiler, shape: Shape, node: Node) -> list[Constraint]:
    found: list[Constraint] = []
    for constraint in c.g.objects(node, SH.sparql):
        compiled = _compile_sparql(c.g, shape, constraint)
        if compiled is not None:
            found.append(compiled)
    return found


_READERS: dict[URIRef, Reader] = {
    SH.minCount: _read_count(SH.minCount, most=False),
    SH.maxCount: _read_count(SH.maxCount, most=True),
    SH.minLength: _read_length(SH.minLength, most=False),
    SH.maxLength: _read_length(SH.maxLength, most=True),
    **{p: _read_range(p) for p in _Range.SIGNS},
    **{p: _read_pair(p) for p in (SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals)},
    SH["not"]: _read_not, SH["and"]: _read_logical(SH["and"], _And),
    SH["or"]: _read_logical(SH["or"], _Or), SH.xone: _read_logical(SH.xone, _Xone),
    SH["class"]: _read_class, SH.datatype: _read_datatype, SH.nodeKind: _read_node_kind,
    SH.pattern: _read_pattern, SH.languageIn: _read_language_in, SH.uniqueLang: _read_unique_lang,
    SH["in"]: _read_in, SH.hasValue: _read_has_value, SH.node: _read_node,
    SH.property: _read_property, SH.qualifiedValueShape: _read_qualified,
    SH.closed: _read_closed, SH.sparql: _read_sparql,
}
# parameters read together with a primary one, and which primary they need
_SECONDARY = {SH.flags: SH.pattern, SH.qualifiedMinCount: SH.qualifiedValueShape,
              SH.qualifiedMaxCount: SH.qualifiedValueShape,
              SH.qualifiedValueShapesDisjoint: SH.qualifiedValueShape,
              SH.ignoredProperties: SH.closed}


def _check_secondary(node: Node, used: set[Node]) -> None:
    for secondary, primary in _SECONDARY.items():
        if secondary in used and primary not in used:
            raise ShapeError(f"shape {_name(node)}: {_name(secondary)} without {_name(primary)}")
