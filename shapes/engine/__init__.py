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

The package, in import order: ``results`` (:class:`Result`, :class:`ShapeError`), ``terms``
(the indexed record graph, node kinds, value comparisons), ``paths`` (property paths),
``shape`` (:class:`~shapes.engine.shape.Shape` and its targets), ``constraints`` (the constraint
protocol), ``constraints_value`` and ``constraints_logical`` (the constraint components),
``sparql`` (SHACL-SPARQL constraints), ``readers`` (one reader per SHACL parameter),
``compiler`` (the shapes graph into shapes) and ``shape_engine`` (:class:`ShapeEngine`).
"""

from __future__ import annotations

from .results import Result, ShapeError
from .shape_engine import ShapeEngine

__all__ = ["Result", "ShapeEngine", "ShapeError"]
