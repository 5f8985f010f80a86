"""The constraint components that evaluate other shapes: logical (``sh:not``, ``sh:and``,
``sh:or``, ``sh:xone``) and shape-based (``sh:node``, ``sh:property``,
``sh:qualifiedValueShape``). Whether a nested shape counts through :meth:`Shape.conforms` or
:meth:`Shape.clean` follows pyshacl (see the package docstring)."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from .constraints import Constraint, _ValueConstraint
from .results import Result
from .shape import Shape
from .terms import Data, Values, _name


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
