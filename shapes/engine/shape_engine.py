"""The engine: :class:`ShapeEngine` compiles the shapes of one shapes graph once and validates
record graphs in batches, each on its own, the SPARQL constraints once per batch."""

from __future__ import annotations

from collections.abc import Sequence

from rdflib import Graph
from rdflib.term import Node

from .compiler import _Compiler
from .results import Result
from .shape import Shape
from .sparql import _Sparql, _SparqlRuns
from .terms import Data


class ShapeEngine:
    """The shapes of one shapes graph, compiled once; validates record graphs in batches."""

    def __init__(self, graph: Graph) -> None:
        """Compile every shape of ``graph``. Raises ShapeError (a RepositoryError) naming the
        shape and parameter for malformed shapes and for SHACL this engine does not implement.
        The caller keeps ``graph`` from being written to meanwhile (see the package doc)."""
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
