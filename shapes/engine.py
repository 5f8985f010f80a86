"""A SHACL Core evaluator (plus SHACL-SPARQL ``sh:sparql`` constraints), compiled once.

:class:`ShapeEngine` reads a shapes graph ONCE into plain Python objects: one :class:`Shape` per
node or property shape and one small constraint object per constraint component. Validating a
record then only reads dict indexes of the record graph (subject → predicate → objects and back):
rdflib's own when the graph has a Memory store to itself, else built once per record by
:class:`Data`. Results are :class:`Result` objects that carry what a ``sh:ValidationResult``
carries.

Semantics. The reference is pySHACL 0.40.1 as ``repository.validation`` calls it
(``inference=None``, ``advanced=False``, ``allow_warnings=True``); for the same input this engine
gives the same results, including pyshacl's readings where the SHACL spec leaves room:

* a shape whose own ``sh:severity`` is ``sh:Warning`` or ``sh:Info`` counts as conforming inside
  ``sh:not``/``sh:and``/``sh:or``/``sh:xone``/``sh:qualifiedValueShape``/``sh:property``, and
  a shape fails such a check only through results of another severity (``allow_warnings``);
  ``sh:node`` fails on any nested result and reports the nested results as ``details``;
* ``sh:lessThan``/``sh:lessThanOrEquals`` compare IRIs and string literals as strings, and
  ``sh:closed`` lets ``rdf:type rdfs:Resource`` through;
* ``sh:datatype`` uses rdflib's notion of an ill-typed literal and the Python type of its value.

Where this engine departs from pyshacl (pinned by tests in tests/test_shape_engine.py):

* each record graph is validated on its own (pyshacl's caller merges a batch, so a record
  could borrow a triple about a shared node from another record of its batch, and it raises on
  a result about a node that no record has as a subject);
* ``sh:sparql`` constraints run ONCE per batch, unbound, over the merged graphs of the records
  that have focus nodes for the shape, keeping the rows whose ``?this`` is the focus node asked
  about (pyshacl runs the query once per focus node with ``$this`` pre-bound). That is exact
  when every solution binds ``$this`` in a triple pattern; compilation refuses queries without
  such a pattern, with LIMIT/OFFSET, aggregates not grouped by ``$this``, MINUS, VALUES or
  SERVICE, and ``$shapesGraph``;
* inputs on which pyshacl raises (values that cannot be compared, such as two ``xsd:gYear``
  literals under ``sh:lessThanOrEquals`` when start > end, or a blank node under
  ``sh:lessThan``) give a result here, as SHACL says ("cannot be compared" is a violation);
* ``sh:languageIn`` matches by SPARQL ``langMatches`` (``"zh-Hant"`` matches ``zh-Hant-TW``);
  pyshacl compares the whole tag and the primary subtag only;
* ``sh:datatype`` also checks the lexical form of ``xsd:gYear``, ``xsd:gYearMonth``,
  ``xsd:gMonthDay``, ``xsd:gMonth`` and ``xsd:gDay`` literals, which rdflib does not check;
* ``sh:flags`` ``s`` and ``q`` are honoured (pyshacl ignores them); ``x`` is refused;
* ``sh:inversePath`` of a sequence path reverses the sequence, as SPARQL's ``^(a/b)`` does;
* a shape without ``sh:message`` gets this engine's own short English message;
* shapes that pyshacl loads only partly (a qualified value shape on a node shape, recursive
  shapes, several ``sh:severity`` or ``sh:flags``, a non-boolean ``sh:deactivated``) and any
  ``sh:`` parameter this engine does not implement make compilation fail with a
  :class:`ShapeError` naming the shape and the parameter: no constraint is ever ignored.

Thread safety: a compiled engine is never written to, so any number of threads may validate
with it at once. rdflib's SPARQL parser is not thread-safe (rdflib #1282) and pyshacl parses
queries while holding :data:`shapes.LOCK`, so preparing and running SPARQL here holds that lock.
Compilation reads the shapes graph: callers sharing that graph with pyshacl hold the lock too.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef, Variable
from rdflib.collection import Collection as RDFList
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.stores.memory import Memory, SimpleMemory
from rdflib.term import Node

import shapes
from repository.errors import RepositoryError

_LENIENT = frozenset({SH.Warning, SH.Info})  # severities that let a shape conform
_TYPE, _SUBCLASS = RDF.type, RDFS.subClassOf
_EMPTY: dict = {}
Values = Collection[Node]  # the value nodes of a focus node, without duplicates


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


def _store_indexes(graph: Graph) -> tuple[dict, dict] | None:
    """rdflib's own spo and pos indexes of ``graph`` when it holds every triple of its Memory
    store (checked in O(1)), else None."""
    store = graph.store
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


# --- property paths ---------------------------------------------------------------------------

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


# --- constraints ------------------------------------------------------------------------------

class Constraint:
    """One constraint component of one shape. ``results`` gives its results for a focus node
    and its value nodes; ``holds`` says there are none, without building them."""

    __slots__ = ("component", "generic", "messages")

    def __init__(self, component: URIRef, generic: str = "") -> None:
        self.component, self.generic = component, generic
        self.messages: tuple[Node, ...] = ()  # the shape's sh:message, else (generic,)

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        raise NotImplementedError

    def holds(self, data: Data, focus: Node, values: Values) -> bool:
        return not self.results(_PROBE, data, focus, values)

    def conforms(self, data: Data, focus: Node, values: Values) -> bool:
        """As pyshacl counts it for the shape's conformance (only sh:property differs)."""
        return self.holds(data, focus, values)

    def clean(self, data: Data, focus: Node, values: Values) -> bool:
        """No result at all, of any severity (only sh:property differs)."""
        return self.holds(data, focus, values)

    def result(self, shape: Shape, focus: Node, value: Node | None = None, *,
               path: Node | None = None, details: tuple[Result, ...] = ()) -> Result:
        """A result of ``shape`` (its path unless ``path`` is given)."""
        return Result(focus, shape.node, self.component, shape.severity, self.messages,
                      shape.path_node if path is None else path, value, details=details)


class _ValueConstraint(Constraint):
    """A constraint that judges each value node on its own."""

    __slots__ = ()

    def fails(self, data: Data, value: Node) -> bool:
        raise NotImplementedError

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        return [self.result(shape, focus, v) for v in values if self.fails(data, v)]

    def holds(self, data: Data, focus: Node, values: Values) -> bool:
        for v in values:  # noqa: SIM110 - early-exit loops here are ~25% faster than all()
            if self.fails(data, v):
                return False
        return True


class _Count(Constraint):
    """sh:minCount / sh:maxCount."""

    __slots__ = ("limit", "most")

    def __init__(self, component: URIRef, limit: int, most: bool) -> None:
        super().__init__(component)
        self.limit, self.most = limit, most
        self.generic = f"{'More' if most else 'Fewer'} than {limit} values"

    def holds(self, data: Data, focus: Node, values: Values) -> bool:
        return len(values) <= self.limit if self.most else len(values) >= self.limit

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        return [] if self.holds(data, focus, values) else [self.result(shape, focus)]


class _Class(_ValueConstraint):
    __slots__ = ("cls",)

    def __init__(self, cls: Node) -> None:
        super().__init__(SH.ClassConstraintComponent)
        self.cls = cls
        self.generic = f"Value is not an instance of <{cls}>"

    def fails(self, data: Data, value: Node) -> bool:
        return isinstance(value, Literal) or not data.is_instance(value, self.cls)


_PYTHON_TYPES = {
    XSD.string: (str, bytes), RDF.langString: (str, bytes), XSD.integer: int, XSD.float: float,
    XSD.decimal: Decimal, XSD.boolean: bool, XSD.date: date, XSD.time: time,
    XSD.dateTime: datetime,
}
_ZONE = r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
_YEAR, _MONTH = r"-?([1-9][0-9]{3,}|0[0-9]{3})", r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[12][0-9]|3[01])"
_LEXICAL = {  # XSD 1.1 lexical forms rdflib does not check
    XSD.gYear: re.compile(_YEAR + _ZONE), XSD.gYearMonth: re.compile(f"{_YEAR}-{_MONTH}{_ZONE}"),
    XSD.gMonthDay: re.compile(f"--{_MONTH}-{_DAY}{_ZONE}"),
    XSD.gMonth: re.compile(f"--{_MONTH}{_ZONE}"), XSD.gDay: re.compile(f"---{_DAY}{_ZONE}"),
}


class _Datatype(_ValueConstraint):
    __slots__ = ("datatype",)

    def __init__(self, datatype: Node) -> None:
        super().__init__(SH.DatatypeConstraintComponent)
        self.datatype = datatype
        self.generic = f"Value is not a literal of datatype <{datatype}>"

    def fails(self, data: Data, value: Node) -> bool:
        if not isinstance(value, Literal):
            return True
        rule = self.datatype
        if value.datatype == rule:
            return getattr(value, "ill_typed", None) is True or not self._well_formed(value)
        if rule == RDFS.Literal or (rule == RDFS.Datatype and value.datatype):
            return False
        if rule == XSD.string and value.datatype is None and value.language is None:
            return not self._well_formed(value)
        if rule == RDF.langString and value.language:
            return not self._well_formed(value)
        return True

    def _well_formed(self, value: Literal) -> bool:
        python_type = _PYTHON_TYPES.get(self.datatype)
        if python_type is not None:
            return isinstance(value.value, python_type)
        lexical = _LEXICAL.get(self.datatype)
        return lexical is None or lexical.fullmatch(str(value)) is not None


_NODE_KINDS = {
    SH.IRI: (URIRef,), SH.BlankNode: (BNode,), SH.Literal: (Literal,),
    SH.BlankNodeOrIRI: (BNode, URIRef), SH.BlankNodeOrLiteral: (BNode, Literal),
    SH.IRIOrLiteral: (URIRef, Literal),
}


class _NodeKind(_ValueConstraint):
    __slots__ = ("kinds",)

    def __init__(self, kind: Node) -> None:
        super().__init__(SH.NodeKindConstraintComponent)
        self.kinds = _NODE_KINDS[kind]
        self.generic = f"Value is not of node kind <{kind}>"

    def fails(self, data: Data, value: Node) -> bool:
        return not isinstance(value, self.kinds)


_ORDER = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}


class _Range(_ValueConstraint):
    """sh:minExclusive, sh:minInclusive, sh:maxExclusive, sh:maxInclusive."""

    __slots__ = ("bound", "accept", "bound_is_string")
    SIGNS = {SH.minExclusive: ">", SH.minInclusive: ">=", SH.maxExclusive: "<",
             SH.maxInclusive: "<="}

    def __init__(self, parameter: URIRef, bound: Literal) -> None:
        name = str(parameter).rsplit("#", 1)[1]
        super().__init__(SH[name[0].upper() + name[1:] + "ConstraintComponent"])
        sign = self.SIGNS[parameter]
        self.bound, self.bound_is_string = bound, isinstance(bound.value, str)
        self.accept = _ORDER[sign]
        self.generic = f"Value is not {sign} {bound}"

    def fails(self, data: Data, value: Node) -> bool:
        if not isinstance(value, Literal) or isinstance(value.value, str) != self.bound_is_string:
            return True
        try:
            return not self.accept(_compare_literals(value, self.bound), 0)
        except (TypeError, NotImplementedError):
            return True


def _compare_literals(a: Literal, b: Literal) -> int:
    """-1, 0 or 1 as pyshacl's compare_literal orders them; raises TypeError when it cannot."""
    if a.eq(b):
        return 0
    if a.value.__class__ in (datetime, time):
        if a.value == b.value:
            return 0
        return 1 if a.value > b.value else -1
    return 1 if a > b else -1


class _Length(_ValueConstraint):
    """sh:minLength / sh:maxLength on the string form of literals and IRIs."""

    __slots__ = ("limit", "most")

    def __init__(self, component: URIRef, limit: int, most: bool) -> None:
        super().__init__(component)
        self.limit, self.most = limit, most
        self.generic = f"Value has {'more' if most else 'fewer'} than {limit} characters"

    def fails(self, data: Data, value: Node) -> bool:
        if not self.most and self.limit == 0:
            return False
        if isinstance(value, BNode):
            return True
        length = len(str(value))
        return length > self.limit if self.most else length < self.limit


class _Pattern(_ValueConstraint):
    __slots__ = ("regex",)

    def __init__(self, regex: re.Pattern) -> None:
        super().__init__(SH.PatternConstraintComponent)
        self.regex = regex
        self.generic = f"Value does not match the pattern {regex.pattern!r}"

    def fails(self, data: Data, value: Node) -> bool:
        return isinstance(value, BNode) or self.regex.search(str(value)) is None


class _LanguageIn(_ValueConstraint):
    __slots__ = ("ranges",)

    def __init__(self, ranges: Sequence[str]) -> None:
        super().__init__(SH.LanguageInConstraintComponent)
        self.ranges = tuple(r.lower() for r in ranges)
        self.generic = f"Language tag is not one of {', '.join(ranges)}"

    def fails(self, data: Data, value: Node) -> bool:
        if not isinstance(value, Literal) or not value.language:
            return True
        tag = value.language.lower()
        return not any(r == "*" or tag == r or tag.startswith(r + "-") for r in self.ranges)


class _UniqueLang(Constraint):
    __slots__ = ()

    def __init__(self) -> None:
        super().__init__(SH.UniqueLangConstraintComponent,
                         "More than one value shares a language tag")

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        tags = [v.language.lower() for v in values if isinstance(v, Literal) and v.language]
        repeated = {tag for tag in tags if tags.count(tag) > 1}
        return [self.result(shape, focus) for _ in repeated]


class _In(_ValueConstraint):
    __slots__ = ("members",)

    def __init__(self, members: Sequence[Node]) -> None:
        super().__init__(SH.InConstraintComponent)
        self.members = frozenset(members)
        self.generic = "Value is not one of the allowed values"

    def fails(self, data: Data, value: Node) -> bool:
        return value not in self.members


class _HasValue(Constraint):
    __slots__ = ("term",)

    def __init__(self, term: Node) -> None:
        super().__init__(SH.HasValueConstraintComponent)
        self.term = term
        self.generic = f"Missing the value {term}"

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        return [] if self.term in values else [self.result(shape, focus)]


class _PropertyPair(Constraint):
    """sh:equals and sh:disjoint: the value nodes against the objects of the focus node."""

    __slots__ = ("predicate", "equal")

    def __init__(self, predicate: Node, equal: bool) -> None:
        super().__init__(SH.EqualsConstraintComponent if equal else SH.DisjointConstraintComponent)
        self.predicate, self.equal = predicate, equal
        how = "equal to" if equal else "disjoint from"
        self.generic = f"Values are not {how} the values of <{predicate}>"

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        mine, theirs = set(values), set(data.objects(focus, self.predicate))
        offending = (mine ^ theirs) if self.equal else (mine & theirs)
        return [self.result(shape, focus, v) for v in offending]


class _LessThan(Constraint):
    """sh:lessThan / sh:lessThanOrEquals, compared as pyshacl compares them."""

    __slots__ = ("predicate", "or_equal")

    def __init__(self, predicate: Node, or_equal: bool) -> None:
        super().__init__(SH.LessThanOrEqualsConstraintComponent if or_equal
                         else SH.LessThanConstraintComponent)
        self.predicate, self.or_equal = predicate, or_equal
        self.generic = f"Value is not {'<=' if or_equal else '<'} the values of <{predicate}>"

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        others = data.objects(focus, self.predicate)
        return [self.result(shape, focus, v) for v in values for other in others
                if not self._ordered(v, other)]

    def _ordered(self, value: Node, other: Node) -> bool:
        if isinstance(value, BNode) or isinstance(other, BNode):
            return False
        a, a_is_string = _comparable(value)
        b, b_is_string = _comparable(other)
        if a_is_string != b_is_string:
            return False
        try:
            return bool(a <= b if self.or_equal else a < b)
        except TypeError:
            return False


def _comparable(node: Node) -> tuple[object, bool]:
    """``node`` as pyshacl compares it: IRIs and string literals as strings."""
    if isinstance(node, URIRef):
        return str(node), True
    if isinstance(node, Literal) and isinstance(node.value, str):
        return node.value, True
    return node, False


class _Not(_ValueConstraint):
    __slots__ = ("shape",)

    def __init__(self, shape: Shape) -> None:
        super().__init__(SH.NotConstraintComponent, f"Value conforms to {_name(shape.node)}")
        self.shape = shape

    def fails(self, data: Data, value: Node) -> bool:
        return self.shape.conforms(data, value)


class _Logical(_ValueConstraint):
    """sh:and, sh:or, sh:xone: how many member shapes a value node conforms to."""

    __slots__ = ("members",)
    how = ""

    def __init__(self, component: URIRef, members: Sequence[Shape]) -> None:
        super().__init__(component, f"Value does not conform to {self.how} {len(members)} shapes")
        self.members = tuple(members)


class _And(_Logical):
    __slots__ = ()
    how = "all of"

    def fails(self, data: Data, value: Node) -> bool:
        for shape in self.members:  # noqa: SIM110 - hot path, see _ValueConstraint.holds
            if not shape.conforms(data, value):
                return True
        return False


class _Or(_Logical):
    __slots__ = ()
    how = "at least one of"

    def fails(self, data: Data, value: Node) -> bool:
        for shape in self.members:  # noqa: SIM110 - hot path, see _ValueConstraint.holds
            if shape.conforms(data, value):
                return False
        return True


class _Xone(_Logical):
    __slots__ = ()
    how = "exactly one of"

    def fails(self, data: Data, value: Node) -> bool:
        return sum(1 for shape in self.members if shape.conforms(data, value)) != 1


class _NodeShape(Constraint):
    """sh:node: a result per value node with any nested result, which it carries as details."""

    __slots__ = ("target",)

    def __init__(self, target: Shape) -> None:
        super().__init__(SH.NodeConstraintComponent)
        self.target = target
        self.generic = f"Value does not conform to the shape {target.node}"

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        found = []
        for v in values:
            nested = self.target.results(data, v)
            if nested:
                found.append(self.result(shape, focus, v, details=tuple(nested)))
        return found

    def holds(self, data: Data, focus: Node, values: Values) -> bool:
        return all(self.target.clean(data, v) for v in values)


class _PropertyShape(Constraint):
    """sh:property: the property shape's own results for each value node."""

    __slots__ = ("target",)

    def __init__(self, target: Shape) -> None:
        super().__init__(SH.PropertyConstraintComponent)
        self.target = target

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        return [r for v in values for r in self.target.results(data, v)]

    def conforms(self, data: Data, focus: Node, values: Values) -> bool:
        return all(self.target.conforms(data, v) for v in values)

    def clean(self, data: Data, focus: Node, values: Values) -> bool:
        return all(self.target.clean(data, v) for v in values)


class _Qualified(Constraint):
    """sh:qualifiedValueShape with sh:qualifiedMinCount / sh:qualifiedMaxCount."""

    __slots__ = ("target", "siblings", "least", "most")

    def __init__(self, target: Shape, siblings: Sequence[Shape], least: int | None,
                 most: int | None) -> None:
        super().__init__(SH.QualifiedMinCountConstraintComponent if least is not None
                         else SH.QualifiedMaxCountConstraintComponent)
        self.target, self.siblings, self.least, self.most = target, tuple(siblings), least, most
        self.generic = f"Wrong number of values conforming to the shape {target.node}"

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        count = sum(1 for v in values if self.target.conforms(data, v)
                    and not any(s.conforms(data, v) for s in self.siblings))
        found = []
        if self.most is not None and count > self.most:
            found.append(self._counted(shape, focus, SH.QualifiedMaxCountConstraintComponent))
        if self.least is not None and count < self.least:
            found.append(self._counted(shape, focus, SH.QualifiedMinCountConstraintComponent))
        return found

    def _counted(self, shape: Shape, focus: Node, component: URIRef) -> Result:
        return Result(focus, shape.node, component, shape.severity, self.messages, shape.path_node)


class _Closed(Constraint):
    """sh:closed: every triple of a value node has an allowed predicate."""

    __slots__ = ("allowed",)

    def __init__(self, allowed: Iterable[Node]) -> None:
        super().__init__(SH.ClosedConstraintComponent, "Predicate not allowed by the closed shape")
        self.allowed = frozenset(allowed)

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        return [
            self.result(shape, focus, o, path=p)
            for v in values for p, objects in data.out.get(v, _EMPTY).items()
            if p not in self.allowed for o in objects
            if not (p == _TYPE and o == RDFS.Resource)
        ]


# --- SPARQL constraints -----------------------------------------------------------------------

_PATH_VARIABLE = re.compile(r"([\s{}()])[$?]PATH", re.M)
_PLACEHOLDER = re.compile(r"{[$?]([^{}]+)}")
_REFUSED = {"Minus": "MINUS", "ServiceGraphPattern": "SERVICE", "values": "VALUES",
            "Slice": "LIMIT or OFFSET"}
_THIS = Variable("this")


@dataclass(frozen=True, slots=True)
class _Row:
    """One solution of a SPARQL constraint for one focus node: ?path, ?value, other variables."""

    path: Node | None
    value: Node | None
    bindings: tuple[tuple[str, Node], ...]


class _Sparql(Constraint):
    """One ``sh:sparql`` SELECT constraint of one shape, prepared once, run once per batch."""

    __slots__ = ("node", "query", "bindings", "is_property", "templates")

    def __init__(self, node: Node, query, bindings: dict, is_property: bool,
                 templates: tuple[Node, ...]) -> None:
        super().__init__(SH.SPARQLConstraintComponent)
        self.node, self.query, self.bindings = node, query, bindings
        self.is_property, self.templates = is_property, templates

    def results(self, shape: Shape, data: Data, focus: Node, values: Values) -> list[Result]:
        assert data.sparql is not None, "a Data without its batch cannot answer SPARQL"
        return [self._result(shape, focus, row) for row in data.sparql.rows(self, focus)]

    def holds(self, data: Data, focus: Node, values: Values) -> bool:
        assert data.sparql is not None, "a Data without its batch cannot answer SPARQL"
        return not data.sparql.rows(self, focus)

    def _result(self, shape: Shape, focus: Node, row: _Row) -> Result:
        value = row.value if row.value is not None else (None if self.is_property else focus)
        path = row.path if row.path is not None else shape.path_node
        bound = {**dict(row.bindings), "this": focus}
        if row.path is not None:
            bound["path"] = row.path
        if value is not None:
            bound["value"] = value
        return Result(focus, shape.node, self.component, shape.severity, self._messages(bound),
                      path, value, constraint=self.node)

    def _messages(self, bound: dict[str, Node]) -> tuple[Node, ...]:
        """The messages with {$var} filled in, untagged (as pyshacl writes SPARQL messages)."""
        def fill(match: re.Match) -> str:
            name = match.group(1)
            return str(bound[name]) if name in bound else match.group(0)

        return tuple(Literal(_PLACEHOLDER.sub(fill, str(m))) if isinstance(m, Literal) else m
                     for m in self.templates)

    def run(self, graph: Graph) -> dict[Node, list[_Row]]:
        """The solutions on ``graph``, by ?this. Raises RepositoryError when the query fails or
        a solution reports ``?failure true``."""
        try:
            with shapes.LOCK:
                solutions = [row.asdict() for row in graph.query(self.query,
                                                                 initBindings=self.bindings)]
        except Exception as exc:  # rdflib raises bare Exceptions from its SPARQL evaluator
            raise RepositoryError(f"the SPARQL constraint {self.node} failed: {exc!r}") from exc
        rows: dict[Node, dict[_Row, None]] = {}
        for solution in solutions:
            failure = solution.pop("failure", None)
            if failure is not None and failure.toPython() is True:
                raise RepositoryError(f"the SPARQL constraint {self.node} reported a failure")
            this = solution.pop("this", None)
            if this is None:
                continue
            path, value = solution.pop("path", None), solution.pop("value", None)
            row = _Row(path, value, tuple(sorted(solution.items())))
            rows.setdefault(this, {})[row] = None
        return {this: list(found) for this, found in rows.items()}


class _SparqlRuns:
    """The SPARQL constraints of one batch: each runs once, over the merged graphs of the
    records that have focus nodes for a shape the constraint can be reached from."""

    def __init__(self, graphs: Sequence[Graph], roots: Sequence[Sequence[Shape]],
                 reached_from: dict[_Sparql, frozenset[Shape]]) -> None:
        self._graphs, self._roots, self._reached_from = graphs, roots, reached_from
        self._rows: dict[_Sparql, dict[Node, list[_Row]]] = {}

    def rows(self, constraint: _Sparql, focus: Node) -> list[_Row]:
        table = self._rows.get(constraint)
        if table is None:
            table = self._rows[constraint] = constraint.run(self._graph_for(constraint))
        return table.get(focus, [])

    def _graph_for(self, constraint: _Sparql) -> Graph:
        roots = self._reached_from[constraint]
        graphs = [graph for graph, focused in zip(self._graphs, self._roots, strict=True)
                  if roots.intersection(focused)]
        if len(graphs) == 1:
            return graphs[0]
        merged = Graph(store=SimpleMemory())  # no context bookkeeping: adds ~4x faster
        for graph in graphs:
            merged += graph
        return merged


# --- shapes -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Targets:
    nodes: tuple[Node, ...] = ()
    classes: tuple[Node, ...] = ()
    subjects_of: tuple[Node, ...] = ()
    objects_of: tuple[Node, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.nodes or self.classes or self.subjects_of or self.objects_of)

    def focus_nodes(self, data: Data) -> dict[Node, None]:
        found = dict.fromkeys(self.nodes)
        for cls in self.classes:
            found.update(dict.fromkeys(data.instances(cls)))
        for predicate in self.subjects_of:
            found.update(dict.fromkeys(data.subjects_of(predicate)))
        for predicate in self.objects_of:
            found.update(dict.fromkeys(data.objects_of(predicate)))
        return found


class Shape:
    """A compiled node shape (``path`` None) or property shape."""

    __slots__ = ("node", "path", "path_node", "severity", "deactivated", "lenient",
                 "constraints", "needs_values", "targets")

    def __init__(self, node: Node, path: _Path | None, path_node: Node | None, severity: Node,
                 deactivated: bool, targets: _Targets) -> None:
        self.node, self.path, self.path_node = node, path, path_node
        self.severity, self.deactivated, self.targets = severity, deactivated, targets
        self.lenient = severity in _LENIENT
        self.constraints: tuple[Constraint, ...] = ()
        self.needs_values = False  # True when every constraint is silent without value nodes

    def results(self, data: Data, focus: Node) -> list[Result]:
        """Every result of validating ``focus`` against this shape."""
        if self.deactivated:
            return []
        values = (focus,) if self.path is None else self.path.values(data, focus)
        if self.needs_values and not values:
            return []
        found: list[Result] = []
        for constraint in self.constraints:
            found += constraint.results(self, data, focus, values)
        return found

    def conforms(self, data: Data, focus: Node) -> bool:
        """Whether ``focus`` conforms, as sh:not/and/or/xone and qualified shapes count it."""
        if self.deactivated or self.lenient:
            return True
        values = (focus,) if self.path is None else self.path.values(data, focus)
        if self.needs_values and not values:
            return True
        for constraint in self.constraints:  # noqa: SIM110 - hot path, see _ValueConstraint
            if not constraint.conforms(data, focus, values):
                return False
        return True

    def clean(self, data: Data, focus: Node) -> bool:
        """Whether ``focus`` has no result at all against this shape (as sh:node counts it)."""
        if self.deactivated:
            return True
        values = (focus,) if self.path is None else self.path.values(data, focus)
        if self.needs_values and not values:
            return True
        for constraint in self.constraints:  # noqa: SIM110 - hot path, see _ValueConstraint
            if not constraint.clean(data, focus, values):
                return False
        return True


_PROBE = Shape(BNode(), None, None, SH.Violation, False, _Targets())  # for holds() fallbacks


# constraints that give nothing for a focus node without value nodes (not sh:equals: the focus
# node may have values for the other property)
_PER_VALUE = (_ValueConstraint, _NodeShape, _PropertyShape, _UniqueLang, _LessThan, _Closed)

# --- compilation ------------------------------------------------------------------------------

_DESCRIPTIVE = {SH.name, SH.description, SH.order, SH.group, SH.defaultValue, SH.message,
                SH.severity, SH.deactivated, SH.path, SH.targetClass, SH.targetNode,
                SH.targetSubjectsOf, SH.targetObjectsOf}
_SHAPE_VALUED = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTS = (SH["and"], SH["or"], SH.xone)
_SPARQL_KEYS = {SH.select, SH.message, SH.deactivated, SH.prefixes, SH.name, SH.description}
_SH = str(SH)


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


def _name(node: Node) -> str:
    """A node as it reads in an error message."""
    text = str(node)
    if text.startswith(_SH):
        return "sh:" + text[len(_SH):]
    return f"<{text}>" if isinstance(node, URIRef) else f"_:{text}"


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


# One reader per primary parameter: (compiler, shape, shape node) → constraints.
Reader = Callable[[_Compiler, Shape, Node], list[Constraint]]


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


def _compile_sparql(g: Graph, shape: Shape, node: Node) -> _Sparql | None:
    """The SELECT constraint ``node`` prepared for ``shape``; None when deactivated.

    Raises ShapeError for what the batched evaluation cannot do exactly (see the module doc).
    """
    where = f"SPARQL constraint {_name(node)} of shape {_name(shape.node)}"
    used = {p for p in g.predicates(node) if str(p).startswith(_SH)}
    if used - _SPARQL_KEYS:
        raise ShapeError(f"{where}: the SHACL engine does not implement "
                         f"{', '.join(_name(p) for p in sorted(used - _SPARQL_KEYS))}")
    selects = list(g.objects(node, SH.select))
    if len(selects) != 1 or not isinstance(selects[0], Literal):
        raise ShapeError(f"{where} needs exactly one sh:select string")
    deactivated = list(g.objects(node, SH.deactivated))
    if deactivated and deactivated[0].toPython() is True:  # type: ignore[union-attr]
        return None
    text = str(selects[0])
    if re.search(r"[$?]shapesGraph\b", text):
        raise ShapeError(f"{where}: $shapesGraph is not supported")
    if _PATH_VARIABLE.search(text):
        if shape.path is None:
            raise ShapeError(f"{where} uses $PATH on a node shape")
        path = shape.path.sparql
        text = _PATH_VARIABLE.sub(lambda m: m.group(1) + path, text)
    try:
        with shapes.LOCK:
            query = prepareQuery(text, initNs=_prefixes(g, node))
    except Exception as exc:  # pyparsing's ParseException and rdflib's bare Exceptions
        raise ShapeError(f"{where}: the query does not parse: {exc}") from exc
    _project_this(query.algebra, where)
    bindings = {"currentShape": shape.node} if re.search(r"[$?]currentShape\b", text) else {}
    messages = (*g.objects(node, SH.message), *g.objects(shape.node, SH.message))
    return _Sparql(node, query, bindings, shape.path is not None, tuple(messages))


def _prefixes(g: Graph, node: Node) -> dict[str, str]:
    """rdf:, rdfs:, owl: and the prefixes declared through the constraint's sh:prefixes."""
    found = {"rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL)}
    for holder in g.objects(node, SH.prefixes):
        for declaration in g.objects(holder, SH.declare):
            prefix, namespace = g.value(declaration, SH.prefix), g.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise ShapeError(f"{_name(declaration)} needs a sh:prefix and a sh:namespace")
            found[str(prefix)] = str(namespace)
    return found


def _project_this(algebra: CompValue, where: str) -> None:
    """Add ?this to the projection of a prepared SELECT; raises ShapeError when evaluating
    the query once, unbound, would not give what pre-binding $this gives."""
    parts = list(_walk(algebra))
    for part in parts:
        if part.name in _REFUSED:
            raise ShapeError(f"{where}: {_REFUSED[part.name]} is not supported")
        if part.name == "Group" and _THIS not in (part.get("expr") or []):
            raise ShapeError(f"{where}: aggregates are supported only grouped by $this")
    if not any(_THIS in triple for part in parts if part.name == "BGP" for triple in part.triples):
        raise ShapeError(f"{where}: $this must appear in a triple pattern")
    for part in parts:
        if part.name in ("SelectQuery", "Project") and _THIS not in part.PV:
            part.PV.append(_THIS)


def _walk(value: object) -> Iterable[CompValue]:
    """Every CompValue inside ``value``."""
    if isinstance(value, CompValue):
        yield value
        for inner in value.values():
            yield from _walk(inner)
    elif isinstance(value, list | tuple):
        for inner in value:
            yield from _walk(inner)


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


# --- the engine -------------------------------------------------------------------------------

class ShapeEngine:
    """The shapes of one shapes graph, compiled once; validates record graphs in batches."""

    def __init__(self, graph: Graph) -> None:
        """Compile every shape of ``graph``. Raises ShapeError (a RepositoryError) naming the
        shape and parameter for malformed shapes and for SHACL this engine does not implement.
        The caller keeps ``graph`` from being written to meanwhile (see the module doc)."""
        compiler = _Compiler(graph)
        self.shapes: dict[Node, Shape] = compiler.shapes
        self.roots: tuple[Shape, ...] = tuple(
            shape for shape in compiler.shapes.values() if shape.targets and not shape.deactivated
        )
        reached: dict[_Sparql, set[Shape]] = {}
        for root in self.roots:
            for constraint in compiler.reach[root]:
                reached.setdefault(constraint, set()).add(root)
        self._reached_from = {c: frozenset(roots) for c, roots in reached.items()}

    def validate(self, graph: Graph) -> list[Result]:
        """Every result of validating one record graph. Raises RepositoryError when a SPARQL
        constraint fails."""
        return self.validate_batch([graph])[0]

    def validate_batch(self, graphs: Sequence[Graph]) -> list[list[Result]]:
        """The results of each graph, in order; each graph is validated on its own, SPARQL
        constraints run once for the batch. Raises RepositoryError when one of those fails."""
        indexed = [Data(graph) for graph in graphs]
        focus = [[(root, root.targets.focus_nodes(data)) for root in self.roots]
                 for data in indexed]
        runs = _SparqlRuns(graphs, [[root for root, nodes in pairs if nodes] for pairs in focus],
                           self._reached_from)
        found: list[list[Result]] = []
        for data, pairs in zip(indexed, focus, strict=True):
            data.sparql = runs
            found.append([r for root, nodes in pairs for f in nodes for r in root.results(data, f)])
        return found
