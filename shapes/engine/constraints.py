"""The constraint protocol: one :class:`Constraint` object per constraint component of a shape,
and :class:`_ValueConstraint` for the components that judge each value node on its own.

The components themselves are in ``constraints_value`` (those that read the record graph
directly), ``constraints_logical`` (those that evaluate other shapes) and ``sparql``.
"""

from __future__ import annotations

from rdflib import URIRef
from rdflib.term import Node

from .results import Result
from .shape import _PROBE, Shape
from .terms import Data, Values


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
