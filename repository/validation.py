"""SHACL validation of records against the shapes in ``shapes/``, in batches, by one of two engines.

One :class:`Validator` is built once per process, from the shapes graph :func:`shapes.load` parses
once. ``engine="core"`` (the default; imports use it) is :class:`shapes.engine.ShapeEngine`: the
shapes compiled once, each record graph validated on its own, SPARQL constraints run once per
batch. ``engine="pyshacl"`` is the reference the core engine is tested against: up to
``batch_size`` record graphs merged into ONE rdflib Memory graph, pyshacl run once on it
(``inference=None``, ``inplace=True``, ``advanced=False``), and each result given to the records
whose graphs have its focus node as a subject. (Never hand pyshacl the Oxigraph store: every
violation would cost a full COUNT over it, ../shared/notes/rdfstack.md §3.1.) Both engines'
results become the same :class:`Violation` lists; docs/architecture.md ("Validation") lists where
they differ, such as pyshacl's batches merging nodes that several records describe.

A ``sh:node`` result is reported as the nested results it carries (path
``dct:temporal/dcat:startDate``, the nested message), because those say what is wrong; a
node-level result names the paths of its shape's logical operands
(``yl:licenseValidity, yl:licenseValidUntil``).

Thread safety: pyshacl writes into the shapes graph it is given (pySHACL #314) and rdflib's SPARQL
parser is not thread-safe (rdflib #1282), so every pyshacl call holds :data:`shapes.LOCK` and runs
alone. The core engine never writes to the shapes graph; it holds the lock only while rdflib runs
a SPARQL constraint. Constructing a Validator reads the shapes graph under the lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import pyshacl
from pyshacl.errors import ReportableRuntimeError, ShapeLoadError, ValidationFailure
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

import shapes
from shapes.engine import Result, ShapeEngine
from vocab.namespaces import PREFIXES

from .errors import RepositoryError, ValidationError

SH = Namespace("http://www.w3.org/ns/shacl#")
RDF_FIRST = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#first")
_COMPACT = sorted(
    {**PREFIXES, "sh": str(SH), "ylsh": str(shapes.SHAPES)}.items(), key=lambda kv: -len(kv[1])
)
_LOGICAL = (SH["or"], SH.xone, SH["and"], SH["not"])
_PATH_OPERATORS = {
    SH.zeroOrMorePath: "*", SH.oneOrMorePath: "+", SH.zeroOrOnePath: "?",
}
ENGINES = ("core", "pyshacl")


@dataclass(frozen=True)
class Violation:
    """One validation result, readable in both languages.

    ``path`` is compact (``dct:description``, ``dcat:contactPoint/vcard:hasEmail``); ``severity``
    is ``Violation``, ``Warning`` or ``Info``; only ``Violation`` makes a record fail.
    """

    record: str
    focus: str
    path: str
    value: str | None
    message_zh: str
    message_en: str
    severity: str
    shape: str

    def __str__(self) -> str:
        where = self.path or self.focus
        return f"record {self.record}: {where} — {self.message_zh} / {self.message_en}"

    @property
    def is_failure(self) -> bool:
        return self.severity == "Violation"


def compact(node: Node) -> str:
    """``node`` as a prefixed name when one of our prefixes fits, else its string form."""
    text = str(node)
    if isinstance(node, URIRef):
        for prefix, base in _COMPACT:
            if text.startswith(base) and len(text) > len(base):
                return f"{prefix}:{text[len(base):]}"
    return text


def compact_path(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL property-path notation (``a/b``, ``^a``, ``a|b``, ``a*``)."""
    if isinstance(path, URIRef):
        return compact(path)
    if graph.value(path, RDF_FIRST) is not None:
        return "/".join(compact_path(graph, step) for step in Collection(graph, path))
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + compact_path(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "|".join(compact_path(graph, step) for step in Collection(graph, alternatives))
    for operator, sign in _PATH_OPERATORS.items():
        inner = graph.value(path, operator)
        if inner is not None:
            return f"({compact_path(graph, inner)}){sign}"
    return str(path)


@dataclass(frozen=True)
class _ShapeInfo:
    """What the report needs from a shape: its messages and, for node-level logical
    constraints, the paths its operands talk about."""

    message_zh: str
    message_en: str
    paths: str


_NO_INFO = _ShapeInfo("", "", "")
_NO_GRAPH = Graph()  # compact_path needs no graph for a predicate


def _by_language(literals: Iterable[Node]) -> dict[str, list[str]]:
    """Texts by primary language subtag (``zh``, ``en``; ``""`` for untagged, which is how
    pyshacl writes its generic English and every SPARQL message), in the given order."""
    by_lang: dict[str, list[str]] = {}
    for literal in literals:
        if isinstance(literal, Literal):
            lang = (literal.language or "").lower().split("-")[0]
            by_lang.setdefault(lang, []).append(str(literal))
    return by_lang


def _zh_en(by_lang: dict[str, list[str]]) -> tuple[str, str]:
    """The first zh and en text; untagged text stands in for en."""
    zh = by_lang.get("zh", [""])[0]
    en = (by_lang.get("en") or by_lang.get("") or [""])[0]
    return zh, en


def _operand_paths(graph: Graph, shape: Node) -> str:
    """The paths named by the operands of ``shape``'s sh:or/sh:xone/sh:and/sh:not, in order."""
    found: list[str] = []
    for operator in _LOGICAL:
        for operands in graph.objects(shape, operator):
            members = Collection(graph, operands) if operator != SH["not"] else [operands]
            for operand in members:
                path = graph.value(operand, SH.path)
                if path is not None and compact_path(graph, path) not in found:
                    found.append(compact_path(graph, path))
    return ", ".join(found)


def _shape_table(graph: Graph) -> dict[Node, _ShapeInfo]:
    """Messages and operand paths of every shape and SPARQL constraint, read once (the shapes
    graph is only touched again under the lock, by pyshacl)."""
    table: dict[Node, _ShapeInfo] = {}
    for node in set(graph.subjects(SH.message, None)):
        zh, en = _zh_en(_by_language(sorted(graph.objects(node, SH.message))))
        table[node] = _ShapeInfo(zh, en, _operand_paths(graph, node))
    return table


class Validator:
    """Validates record graphs against the shapes; construct once, reuse for every record."""

    def __init__(
        self, batch_size: int = 200, engine: str = "core", *, shapes_graph: Graph | None = None,
    ) -> None:
        """``engine`` is ``"core"`` or ``"pyshacl"``; ``shapes_graph`` defaults to
        :func:`shapes.load`. Raises ValueError for a bad batch size or engine name,
        RepositoryError when the shapes cannot be loaded (ShapeError, a RepositoryError, when the
        core engine cannot compile them)."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
        self.batch_size, self.engine = batch_size, engine
        self._shapes = shapes.load() if shapes_graph is None else shapes_graph
        with shapes.LOCK:
            self._table = _shape_table(self._shapes)
            self._core = ShapeEngine(self._shapes) if engine == "core" else None
            self._paths = {
                shape.path_node: compact_path(self._shapes, shape.path_node)
                for shape in (self._core.shapes.values() if self._core else ())
                if shape.path_node is not None
            }

    def validate(self, record_id: str, graph: Graph) -> list[Violation]:
        """Every result for one record, sorted. Raises RepositoryError when validation fails."""
        return self.validate_batch([(record_id, graph)])[record_id]

    def check(self, record_id: str, graph: Graph) -> list[Violation]:
        """The record's warnings and infos when it conforms.

        Raises ValidationError(record_id, violations) when any result has severity Violation,
        RepositoryError when validation fails.
        """
        results = self.validate(record_id, graph)
        failures = [v for v in results if v.is_failure]
        if failures:
            raise ValidationError(record_id, failures)
        return results

    def validate_batch(self, items: Sequence[tuple[str, Graph]]) -> dict[str, list[Violation]]:
        """Results per record id (an empty list for a conforming record), batch by batch.

        Raises RepositoryError when validation fails on a batch (pyshacl names its first record).
        """
        results: dict[str, list[Violation]] = {record_id: [] for record_id, _ in items}
        for start in range(0, len(items), self.batch_size):
            for violation in self._validate_chunk(items[start:start + self.batch_size]):
                results[violation.record].append(violation)
        return {record_id: _ordered(found) for record_id, found in results.items()}

    def _validate_chunk(self, chunk: Sequence[tuple[str, Graph]]) -> Iterator[Violation]:
        if self._core is not None:
            found = self._core.validate_batch([graph for _, graph in chunk])
            for (record_id, _), results in zip(chunk, found, strict=True):
                for result in results:
                    yield from self._read(result, "", record_id, _NO_GRAPH)
            return
        merged = Graph()
        owners: dict[Node, list[str]] = {}
        for record_id, graph in chunk:
            merged += graph
            for subject in set(graph.subjects()):
                owners.setdefault(subject, []).append(record_id)
        report = self._run(merged, chunk[0][0])
        for node in report.objects(None, SH.result):
            result = _from_report(report, node)
            if result.focus not in owners:  # targets are typed subjects: a shapes defect
                raise RepositoryError(f"a SHACL result about {result.focus}, which no record "
                                      "describes")
            for record_id in dict.fromkeys(owners[result.focus]):
                yield from self._read(result, "", record_id, report)

    def _run(self, data: Graph, first_record: str) -> Graph:
        """pyshacl on one merged batch; the report graph. Raises RepositoryError."""
        try:
            with shapes.LOCK:
                _conforms, report, _text = pyshacl.validate(
                    data, shacl_graph=self._shapes, inference=None, inplace=True,
                    advanced=False, allow_warnings=True,
                )
        except (ReportableRuntimeError, ShapeLoadError, ValidationFailure) as exc:
            raise RepositoryError(
                f"SHACL validation failed on the batch starting at record {first_record}: {exc}"
            ) from exc
        except (TypeError, ValueError) as exc:  # pyshacl/rdflib crashes on odd literals
            raise RepositoryError(
                f"pyshacl crashed on the batch starting at record {first_record}: {exc!r}"
            ) from exc
        return report

    def _read(
        self, result: Result, outer_path: str, record_id: str, graph: Graph,
    ) -> Iterator[Violation]:
        """The violations one result stands for: its details' when it has any. ``graph`` holds
        the structure of its paths (pyshacl's report; the core engine's are precomputed)."""
        full_path = "/".join(part for part in (outer_path, self._path(result, graph)) if part)
        if result.details:
            for detail in result.details:
                yield from self._read(detail, full_path, record_id, graph)
            return
        zh, en = _choose_messages(
            _by_language(sorted(result.messages)),
            self._table.get(result.constraint), self._table.get(result.shape),
        )
        yield _violation(record_id, result.focus, full_path, result.value, zh, en,
                         result.severity, result.shape)

    def _path(self, result: Result, graph: Graph) -> str:
        """The result's compact path, or the paths its source shape's operands name."""
        if result.path is None:
            return (self._table.get(result.shape) or _NO_INFO).paths
        if result.path in self._paths:
            return self._paths[result.path]
        return compact_path(graph, result.path)


def _from_report(report: Graph, node: Node) -> Result:
    """The sh:ValidationResult ``node`` of a pyshacl report, with its sh:detail results."""
    def value(predicate: URIRef):
        return report.value(node, predicate)

    return Result(
        focus=value(SH.focusNode), shape=value(SH.sourceShape),
        component=value(SH.sourceConstraintComponent), severity=value(SH.resultSeverity),
        messages=tuple(report.objects(node, SH.resultMessage)), path=value(SH.resultPath),
        value=value(SH.value), constraint=value(SH.sourceConstraint),
        details=tuple(_from_report(report, detail) for detail in report.objects(node, SH.detail)),
    )


def _violation(
    record_id: str, focus: Node | None, path: str, value: Node | None, zh: str, en: str,
    severity: Node | None, shape: Node | None,
) -> Violation:
    """A Violation from the parts of a result (of either engine)."""
    return Violation(
        record=record_id, focus=str(focus), path=path,
        value=None if value is None or value == focus else str(value),
        message_zh=zh, message_en=en,
        severity=compact(severity).removeprefix("sh:") if severity else "Violation",
        shape=compact(shape) if isinstance(shape, URIRef) else "",
    )


def _choose_messages(
    found: dict[str, list[str]], constraint: _ShapeInfo | None, shape: _ShapeInfo | None,
) -> tuple[str, str]:
    """The zh and en text of a result whose messages are ``found`` (by language).

    pyshacl 0.40.1 puts every message on one result; for a SPARQL constraint it copies both
    the constraint's and its property shape's messages and drops their language tags (so does
    the core engine, to give the same results). So the constraint's own text wins when present,
    then language-tagged results, then the shape's text, then untagged text by script (CJK is
    zh); the shape's text is the fallback.
    """
    texts = {text for group in found.values() for text in group}
    untagged = found.get("", [])
    constraint, shape = constraint or _NO_INFO, shape or _NO_INFO
    zh = _first_of(
        [constraint.message_zh, *found.get("zh", []), shape.message_zh], texts,
        [text for text in untagged if _is_cjk(text)], shape.message_zh,
    )
    en = _first_of(
        [constraint.message_en, *found.get("en", []), shape.message_en], texts,
        [text for text in untagged if not _is_cjk(text)], shape.message_en,
    )
    return zh, en


def _first_of(preferred: list[str], texts: set[str], guessed: list[str], fallback: str) -> str:
    """The first preferred text the result carries, else the first guessed one, else fallback."""
    for text in preferred:
        if text and text in texts:
            return text
    return guessed[0] if guessed else fallback


def _is_cjk(text: str) -> bool:
    """Whether ``text`` contains a CJK ideograph (how an untagged message is taken as zh)."""
    return any("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def _ordered(found: list[Violation]) -> list[Violation]:
    """Duplicates dropped (pyshacl may give one result per message language), stable order."""
    unique = dict.fromkeys(found)
    return sorted(unique, key=lambda v: (v.path, v.focus, v.value or "", v.shape, v.message_en))
