"""SHACL validation of records against the shapes in ``shapes/``, in batches.

One :class:`Validator` is built once per process (it takes the shapes graph parsed once by
:func:`shapes.load`). :meth:`Validator.validate_batch` merges up to ``batch_size`` record graphs
into ONE rdflib Memory graph, runs pyshacl once on it (``inference=None``, ``inplace=True``,
``advanced=False``) and splits the report back to records: a result belongs to the record whose
graph has the result's focus node as a subject. Never hand pyshacl the Oxigraph store: with it,
every violation costs a full COUNT over the store (../shared/notes/rdfstack.md §3.1).

Results of ``sh:node`` constraints carry the nested results as ``sh:detail``; they are reported
as the nested results themselves (path ``dct:temporal/dcat:startDate``, the nested message),
because those say what is actually wrong.

Thread safety: pyshacl writes into the shapes graph it is given (pySHACL #314) and rdflib's SPARQL
parser is not thread-safe (rdflib #1282), so every pyshacl call holds :data:`shapes.LOCK`. Calls
from several threads are safe but run one at a time; use processes for parallel validation.

Known limit of batching: nodes shared by several records (an agency IRI) are merged, so a record
whose copy of a shared node lacks a triple another record's copy has can pass in a batch and fail
alone. Records own their agency's description in this model, so that needs conflicting copies.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pyshacl
from pyshacl.errors import ReportableRuntimeError, ShapeLoadError, ValidationFailure
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

import shapes
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


def _messages(graph: Graph, node: Node) -> dict[str, list[str]]:
    """The sh:message / sh:resultMessage texts of ``node`` by primary language subtag
    (``zh``, ``en``; ``""`` for untagged, which is how pyshacl writes its generic English)."""
    by_lang: dict[str, list[str]] = {}
    for predicate in (SH.message, SH.resultMessage):
        for literal in sorted(graph.objects(node, predicate)):
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
        zh, en = _zh_en(_messages(graph, node))
        table[node] = _ShapeInfo(zh, en, _operand_paths(graph, node))
    return table


class Validator:
    """Validates record graphs against the shapes; construct once, reuse for every record."""

    def __init__(self, batch_size: int = 200) -> None:
        """Raises RepositoryError when the shapes cannot be loaded."""
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self.batch_size = batch_size
        self._shapes = shapes.load()
        with shapes.LOCK:
            self._table = _shape_table(self._shapes)

    def validate(self, record_id: str, graph: Graph) -> list[Violation]:
        """Every result for one record, sorted. Raises RepositoryError when pyshacl fails."""
        return self.validate_batch([(record_id, graph)])[record_id]

    def check(self, record_id: str, graph: Graph) -> list[Violation]:
        """The record's warnings and infos when it conforms.

        Raises ValidationError(record_id, violations) when any result has severity Violation,
        RepositoryError when pyshacl fails.
        """
        results = self.validate(record_id, graph)
        failures = [v for v in results if v.is_failure]
        if failures:
            raise ValidationError(record_id, failures)
        return results

    def validate_batch(self, items: Sequence[tuple[str, Graph]]) -> dict[str, list[Violation]]:
        """Results per record id (an empty list for a conforming record), batch by batch.

        Raises RepositoryError when pyshacl fails on a batch (naming its first record).
        """
        results: dict[str, list[Violation]] = {record_id: [] for record_id, _ in items}
        for start in range(0, len(items), self.batch_size):
            for violation in self._validate_chunk(items[start:start + self.batch_size]):
                results[violation.record].append(violation)
        return {record_id: _ordered(found) for record_id, found in results.items()}

    def _validate_chunk(self, chunk: Sequence[tuple[str, Graph]]) -> Iterator[Violation]:
        merged = Graph()
        owners: dict[Node, list[str]] = {}
        for record_id, graph in chunk:
            merged += graph
            for subject in set(graph.subjects()):
                owners.setdefault(subject, []).append(record_id)
        report = self._run(merged, chunk[0][0])
        for result in report.objects(None, SH.result):
            focus = report.value(result, SH.focusNode)
            if focus not in owners:  # targets are typed subjects, so this is a shapes defect
                raise RepositoryError(f"a SHACL result about {focus}, which no record describes")
            for record_id in dict.fromkeys(owners[focus]):
                yield from self._read_result(report, result, "", record_id)

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

    def _read_result(
        self, report: Graph, result: Node, outer_path: str, record_id: str,
    ) -> Iterator[Violation]:
        """The violations one result stands for: its sh:detail leaves when it has any."""
        path = self._path(report, result)
        full_path = "/".join(part for part in (outer_path, path) if part)
        details = list(report.objects(result, SH.detail))
        if details:
            for detail in details:
                yield from self._read_result(report, detail, full_path, record_id)
            return
        yield self._violation(report, result, full_path, record_id)

    def _path(self, report: Graph, result: Node) -> str:
        """The result's compact path, or the paths its source shape's operands name."""
        path = report.value(result, SH.resultPath)
        if path is not None:
            return compact_path(report, path)
        info = self._table.get(report.value(result, SH.sourceShape))
        return info.paths if info else ""

    def _violation(self, report: Graph, result: Node, path: str, record_id: str) -> Violation:
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        zh, en = self._result_messages(report, result)
        severity = report.value(result, SH.resultSeverity)
        return Violation(
            record=record_id, focus=str(focus), path=path,
            value=None if value is None or value == focus else str(value),
            message_zh=zh, message_en=en,
            severity=compact(severity).removeprefix("sh:") if severity else "Violation",
            shape=compact(shape) if isinstance(shape, URIRef) else "",
        )

    def _result_messages(self, report: Graph, result: Node) -> tuple[str, str]:
        """sh:resultMessage in each language, else the source shape's sh:message.

        pyshacl 0.40.1 puts every message on one result; for a SPARQL constraint it copies
        both the constraint's and its property shape's messages and drops their language tags.
        So the constraint's own text wins when present, then language-tagged results, then the
        shape's text, then untagged text by script (CJK is zh); the shape's text is the fallback.
        """
        found = _messages(report, result)
        texts = {text for group in found.values() for text in group}
        untagged = found.get("", [])
        sources = [
            self._table.get(report.value(result, predicate))
            for predicate in (SH.sourceConstraint, SH.sourceShape)
        ]
        constraint, shape = (info or _ShapeInfo("", "", "") for info in sources)
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
