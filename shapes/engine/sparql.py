"""SHACL-SPARQL ``sh:sparql`` SELECT constraints: each compiled once per shape (refusing what
the batched evaluation cannot do exactly) and run once per batch, unbound, over the merged
graphs of the records it can reach (see the package docstring)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rdflib import Graph, Literal, Variable
from rdflib.namespace import OWL, RDF, RDFS, SH
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.term import Node

import shapes
from repository.errors import RepositoryError

from .constraints import Constraint
from .results import Result, ShapeError
from .shape import Shape
from .terms import _SH, Data, Values, _name

_PATH_VARIABLE = re.compile(r"([\s{}()])[$?]PATH", re.M)
_PLACEHOLDER = re.compile(r"{[$?]([^{}]+)}")
_REFUSED = {"Minus": "MINUS", "ServiceGraphPattern": "SERVICE", "values": "VALUES",
            "Slice": "LIMIT or OFFSET"}
_THIS = Variable("this")
_SPARQL_KEYS = {SH.select, SH.message, SH.deactivated, SH.prefixes, SH.name, SH.description}


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
        if len(graphs) == 1 and isinstance(graphs[0], Graph):
            return graphs[0]
        merged = Graph(store=SimpleMemory())  # no context bookkeeping: adds ~4x faster
        for graph in graphs:
            merged += graph
        return merged


# --- compilation ------------------------------------------------------------------------------

def _compile_sparql(g: Graph, shape: Shape, node: Node) -> _Sparql | None:
    """The SELECT constraint ``node`` prepared for ``shape``; None when deactivated.

    Raises ShapeError for what the batched evaluation cannot do exactly (see the package doc).
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
