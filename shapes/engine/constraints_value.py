"""The constraint components that read the record graph directly: value type (``sh:class``,
``sh:datatype``, ``sh:nodeKind``), cardinality (``sh:minCount``, ``sh:maxCount``), value range
(``sh:minInclusive`` and kin), string-based (``sh:minLength``, ``sh:maxLength``, ``sh:pattern``,
``sh:languageIn``, ``sh:uniqueLang``), property pair (``sh:equals``, ``sh:disjoint``,
``sh:lessThan``, ``sh:lessThanOrEquals``) and the others (``sh:in``, ``sh:hasValue``,
``sh:closed``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD
from rdflib.term import Node

from .constraints import Constraint, _ValueConstraint
from .results import Result
from .shape import Shape
from .terms import (
    _EMPTY,
    _NODE_KINDS,
    _ORDER,
    _TYPE,
    Data,
    Values,
    _comparable,
    _compare_literals,
)


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


class _NodeKind(_ValueConstraint):
    __slots__ = ("kinds",)

    def __init__(self, kind: Node) -> None:
        super().__init__(SH.NodeKindConstraintComponent)
        self.kinds = _NODE_KINDS[kind]
        self.generic = f"Value is not of node kind <{kind}>"

    def fails(self, data: Data, value: Node) -> bool:
        return not isinstance(value, self.kinds)


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
