"""A compiled shape: its targets, its path, its severity and its constraints, and how a focus
node is checked against them (:meth:`Shape.results`, :meth:`Shape.conforms`,
:meth:`Shape.clean`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import BNode
from rdflib.namespace import SH
from rdflib.term import Node

from .results import Result
from .terms import Data

if TYPE_CHECKING:
    from .constraints import Constraint
    from .paths import _Path

_LENIENT = frozenset({SH.Warning, SH.Info})  # severities that let a shape conform


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
