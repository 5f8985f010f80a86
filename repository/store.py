"""One area of the triple store: an embedded Oxigraph store holding one named graph per record.

Every write of a record is one SPARQL update (``DROP SILENT GRAPH … ; INSERT DATA { GRAPH … }``),
which Oxigraph applies atomically: a reader never sees half a record. Writes go through one lock
because Oxigraph 0.5 may not detect write-write conflicts (see ../shared/notes/rdfstack.md §1.2).
Query results are materialised before they leave this module: pyoxigraph iterators must not
cross threads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, TypeVar

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import RepositoryError, StoreBusy, StoreError
from .sparql import (
    QUERY_PREFIXES,
    Answer,
    Boolean,
    Dataset,
    QueryLimits,
    QueryRefused,
    QuerySyntaxError,
    QueryTimeout,
    Solutions,
    Triples,
    check_read_only,
    has_dataset_clause,
)

T = TypeVar("T")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


def bcp47_case(tag: str) -> str:
    """``tag`` in the case BCP 47 recommends: ``zh-hant-tw`` → ``zh-Hant-TW``.

    Oxigraph lower-cases language tags (they are case-insensitive); this restores the
    conventional form so that graphs read back compare equal to what was written.
    """
    parts = tag.split("-")
    out = [parts[0].lower()]
    for index, part in enumerate(parts[1:], start=1):
        if len(parts[index - 1]) == 1:  # after a singleton (x-, u-): keep lower case
            out.append(part.lower())
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


def to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> Node:
    """An rdflib term equal to the Oxigraph ``term`` (plain literals keep no xsd:string)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=bcp47_case(term.language))
    datatype = term.datatype.value
    if datatype == XSD_STRING:
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(datatype), normalize=False)


def term_rows(found: ox.QuerySolutions) -> Iterator[dict[str, Node]]:
    """Each solution as a dict of rdflib terms (unbound variables left out)."""
    names = [v.value for v in found.variables]
    for row in found:
        yield {n: to_rdflib(row[n]) for n in names if row[n] is not None}


def lexical_rows(found: ox.QuerySolutions) -> Iterator[tuple[str | None, ...]]:
    """Each solution as the lexical values of its variables, in order (None: unbound)."""
    width = len(found.variables)
    for row in found:
        yield tuple(None if (term := row[i]) is None else term.value for i in range(width))


def statement(s: Node, p: Node, o: Node) -> str:
    """One triple as a SPARQL/Turtle statement without the final dot, language tag in BCP 47
    case (the form the store writes and ``records.content_hash`` hashes)."""
    if isinstance(o, Literal) and o.language and o.language != bcp47_case(o.language):
        o = Literal(str(o), lang=bcp47_case(o.language))
    return f"{s.n3()} {p.n3()} {o.n3()}"


def ntriples(graph: Iterable[tuple[Node, Node, Node]]) -> list[str]:
    """The triples of ``graph`` as statements (for INSERT DATA)."""
    return [statement(s, p, o) for s, p, o in graph]


def replacement_update(graphs: dict[URIRef, list[str] | None],
                       new: frozenset[URIRef] = frozenset()) -> str:
    """The one SPARQL update that replaces each graph by its statements (``<s> <p> "o"``, no
    dot; None drops the graph): ``DROP SILENT GRAPH … ; INSERT DATA { GRAPH … }``. Graphs in
    ``new`` are known not to exist and are not dropped. Empty text when there is nothing to do."""
    operations = []
    for name, lines in graphs.items():
        if name not in new:
            operations.append(f"DROP SILENT GRAPH {name.n3()}")
        if lines:
            body = " .\n".join(lines)
            operations.append(f"INSERT DATA {{ GRAPH {name.n3()} {{\n{body} .\n}} }}")
    return " ;\n".join(operations)


def addition_update(graphs: Mapping[URIRef, list[str]]) -> str:
    """The one SPARQL update that adds statements (``<s> <p> "o"``, no dot) to named graphs,
    keeping what they hold: ``INSERT DATA { GRAPH … }``. Empty text when there is nothing."""
    body = " ".join(f"GRAPH {name.n3()} {{\n" + " .\n".join(lines) + " .\n}"
                    for name, lines in graphs.items() if lines)
    return f"INSERT DATA {{ {body} }}" if body else ""


@contextlib.contextmanager
def _reading(path: Path | None) -> Iterator[None]:
    """Translate Oxigraph's read errors (I/O, corruption) into StoreError naming the store."""
    try:
        yield
    except OSError as error:
        raise StoreError(f"cannot read the store at {path or 'memory'}: {error}") from error


class Store:
    """An Oxigraph store on disk (or in memory when ``path`` is None).

    Raises StoreError when the directory cannot be opened (for example another process holds
    its lock).
    """

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        self.path = path
        try:
            if read_only and path is not None:
                self._store = ox.Store.read_only(str(path))
            else:
                self._store = ox.Store(str(path)) if path is not None else ox.Store()
        except OSError as error:
            if _locked(error):
                raise StoreBusy(
                    f"the store at {path} is held by another process (a running `yuliao serve`, "
                    "or another yuliao command): stop that process and try again, or run every "
                    "process on a shared store as docs/deployment.md describes") from error
            raise StoreError(f"cannot open the store at {path}: {error}") from error
        self.read_only = read_only
        self._write_lock = threading.Lock()
        #: Writes made through this object since it was opened (what a snapshot is taken of).
        self.generation = 0

    # -- writing ---------------------------------------------------------------------------

    def replace(self, graphs: dict[URIRef, Iterable[tuple[Node, Node, Node]] | None]) -> None:
        """Replace each named graph by the given triples (None drops it), all in one update.

        Raises StoreError when Oxigraph refuses the update; nothing is written then.
        """
        self.replace_statements({
            name: None if triples is None else ntriples(triples) for name, triples in graphs.items()
        })

    def replace_statements(
        self, graphs: dict[URIRef, list[str] | None], *, new: frozenset[URIRef] = frozenset(),
    ) -> None:
        """:meth:`replace` with each graph given as statements (``<s> <p> "o"``, no dot).

        Graphs named in ``new`` are known not to exist yet and are not dropped first (a DROP
        costs about as much as inserting ten triples). Raises StoreError when Oxigraph refuses
        the update; nothing is written then.
        """
        self.update(replacement_update(graphs, new))

    def update(self, sparql: str) -> None:
        """Run one SPARQL update atomically. Raises StoreError on failure."""
        with self._write_lock:
            self.generation += 1
            try:
                self._store.update(sparql)
            except (SyntaxError, OSError, ValueError) as error:
                raise StoreError(f"the store refused an update: {error}") from error

    def clear(self) -> None:
        """Remove everything."""
        with self._write_lock:
            self.generation += 1
            self._store.clear()

    # -- reading ---------------------------------------------------------------------------

    def graph(self, name: URIRef) -> Graph:
        """The triples of named graph ``name`` as an rdflib Graph (empty when absent).
        Raises StoreError when the store cannot be read."""
        result = Graph()
        with _reading(self.path):
            for quad in self._store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
                result.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                            to_rdflib(quad.object)))
        return result

    def subject_facts(self, subject: URIRef, graph: URIRef) -> dict[URIRef, Node]:
        """Predicate → object of ``subject`` in named graph ``graph`` (an index lookup; with
        several objects for a predicate, one of them). Raises StoreError."""
        with _reading(self.path):
            quads = self._store.quads_for_pattern(ox.NamedNode(subject), None, None,
                                                  ox.NamedNode(graph))
            return {URIRef(quad.predicate.value): to_rdflib(quad.object) for quad in quads}

    def has_graph(self, name: URIRef) -> bool:
        """True when named graph ``name`` holds at least one triple. Raises StoreError."""
        with _reading(self.path):
            quads = self._store.quads_for_pattern(None, None, None, ox.NamedNode(name))
            return next(iter(quads), None) is not None

    def absent(self, names: Iterable[URIRef]) -> frozenset[URIRef]:
        """Those of ``names`` that are not named graphs of this store. Raises StoreError."""
        with _reading(self.path):
            return frozenset(n for n in names
                             if not self._store.contains_named_graph(ox.NamedNode(n)))

    def graph_names(self) -> list[URIRef]:
        """Every named graph in the store. Raises StoreError."""
        with _reading(self.path):
            return [URIRef(g.value) for g in self._store.named_graphs()
                    if isinstance(g, ox.NamedNode)]

    def select(self, sparql: str, **options) -> list[dict[str, Node]]:
        """The solutions of a SELECT query, materialised as dicts of rdflib terms.

        ``options`` go to pyoxigraph (``use_default_graph_as_union=True`` …).
        Raises StoreError on a syntax or evaluation error.
        """
        return list(self.solutions(sparql, **options))

    def solutions(self, sparql: str, **options) -> Iterator[dict[str, Node]]:
        """The solutions of a SELECT query one at a time, as dicts of rdflib terms, as the
        store finds them (for answers too big to hold; consume them in the calling thread).
        ``options`` as for :meth:`select`. Raises StoreError on a syntax or evaluation error."""
        return self._streamed(sparql, options, term_rows)

    def values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The solutions of a SELECT query one at a time, as the lexical values of its
        variables in the query's order (IRIs without brackets, literals without datatype or
        language; None when unbound): no rdflib terms are made, which makes scans of every
        record several times cheaper. Consume them in the calling thread. Raises StoreError."""
        return self._streamed(sparql, {}, lexical_rows)

    def _streamed(self, sparql: str, options: dict, read: Callable[[ox.QuerySolutions],
                                                                    Iterator[T]]) -> Iterator[T]:
        try:
            yield from read(self._store.query(sparql, **options))
        except (SyntaxError, OSError, ValueError) as error:
            raise StoreError(f"query failed: {error}") from error

    def ask(self, sparql: str, **options) -> bool:
        """The answer of an ASK query. Raises StoreError on failure."""
        try:
            return bool(self._store.query(sparql, **options))
        except (SyntaxError, OSError, ValueError) as error:
            raise StoreError(f"query failed: {error}") from error

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer:
        """A read-only query (:mod:`repository.sparql`), its answer materialised.

        Without ``dataset`` and without FROM / FROM NAMED in the query, the default graph is the
        union of all named graphs. The deadline is checked between solutions (or triples): a
        streaming query stops there; a blocking operator (ORDER BY, GROUP BY, COUNT over a huge
        join) cannot be interrupted and is only stopped when its first solution arrives.
        Stops at ``limits.max_rows`` and sets ``truncated``.
        Raises QueryRefused (update, SERVICE, RDF 1.2 triple terms in results),
        QuerySyntaxError (the parser's message and position), QueryTimeout, and StoreError when
        the store cannot be read.
        """
        deadline = time.monotonic() + limits.seconds
        options = _dataset_options(check_read_only(query), dataset)
        outcome = self._answer(query, options, limits, deadline)
        if isinstance(outcome, RepositoryError):
            raise outcome
        return outcome

    def _answer(self, query: str, options: dict, limits: QueryLimits,
                deadline: float) -> Answer | RepositoryError:
        """The answer, or the error to raise (not raised here). Every pyoxigraph object is
        dropped before this returns: they must not be dropped in another thread, and the
        traceback of a raised error (and so its cause) would carry them to the thread that
        catches it. For the same reason the library error is not chained, only quoted."""
        try:
            return materialise(self._store.query(query, prefixes=QUERY_PREFIXES, **options),
                                limits, deadline)
        except RepositoryError as error:
            return type(error)(str(error))
        except SyntaxError as error:
            return QuerySyntaxError(f"syntax error: {error}")
        except OSError as error:
            return StoreError(f"the query could not be evaluated: {error}")
        except (ValueError, RuntimeError) as error:
            return QueryRefused(f"the query could not be evaluated: {error}")

    def __len__(self) -> int:
        return len(self._store)

    def is_empty(self) -> bool:
        """True when the store holds no quad (cheap, unlike ``len``)."""
        return next(iter(self._store), None) is None

    # -- dump and restore ------------------------------------------------------------------

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad (lazy; consume in the calling thread)."""
        return iter(self._store)

    def dump(self, out: BinaryIO) -> None:
        """Write every named graph as N-Quads to ``out``."""
        self._store.dump(out, format=ox.RdfFormat.N_QUADS)

    def load_quads(self, quads: list[ox.Quad]) -> None:
        """Add ``quads`` in one transaction. Raises StoreError on failure."""
        with self._write_lock:
            self.generation += 1
            try:
                self._store.extend(quads)
            except (OSError, ValueError) as error:
                raise StoreError(f"cannot load quads: {error}") from error

    def flush(self) -> None:
        """Make every write durable."""
        self._store.flush()

    def backup(self, target: Path) -> None:
        """A consistent copy of the store in the new directory ``target`` (RocksDB checkpoint:
        hard links to the immutable table files, after a flush of what is in memory), which
        another process may open with ``Store(target, read_only=True)`` while this one goes on
        writing. Raises StoreError when the copy cannot be made (``target`` exists, no space,
        an in-memory store)."""
        if self.path is None:
            raise StoreError("an in-memory store cannot be copied to disk")
        with self._write_lock:
            try:
                self._store.backup(str(target))
            except OSError as error:
                raise StoreError(f"cannot copy the store to {target}: {error}") from error

    def close(self) -> None:
        """Flush and let go of the store, releasing its directory lock. The object is unusable
        afterwards (pyoxigraph has no close: the lock goes with the last reference)."""
        if self.path is not None and not self.read_only:
            self._store.flush()
        del self._store


def _locked(error: OSError) -> bool:
    """True when Oxigraph could not open a store because RocksDB's ``LOCK`` file is taken
    ("IO error: While lock file: …/LOCK: Resource temporarily unavailable")."""
    text = str(error)
    return "LOCK" in text and ("lock file" in text.lower() or "unavailable" in text)


# -- evaluating a read-only query (Store.evaluate) -----------------------------------------


def _dataset_options(query: str, dataset: Dataset | None) -> dict:
    """pyoxigraph options for the SPARQL Protocol dataset: the protocol's graphs replace the
    query's (a list not given is empty); without either, the default graph is the union."""
    if dataset is not None and (dataset.default_graphs is not None
                                or dataset.named_graphs is not None):
        return {
            "default_graph": [ox.NamedNode(g) for g in dataset.default_graphs or ()],
            "named_graphs": [ox.NamedNode(g) for g in dataset.named_graphs or ()],
        }
    if has_dataset_clause(query):  # pyoxigraph ignores FROM when the default graph is the union
        return {}
    return {"use_default_graph_as_union": True}


def materialise(result: ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean
                | Iterable[ox.Quad], limits: QueryLimits, deadline: float) -> Answer:
    """The answer of a pyoxigraph query result (or of parsed triples or quads), read in this
    thread, deadline and row cap checked; both backends answer through it. Raises
    QueryTimeout past ``deadline`` and QueryRefused for an RDF 1.2 triple term."""
    if isinstance(result, ox.QueryBoolean):
        _check_deadline(deadline, limits)
        return Boolean(bool(result))
    if isinstance(result, ox.QuerySolutions):
        names = [v.value for v in result.variables]
        solutions = Solutions(variables=names)
        for row in _bounded(result, limits, deadline, solutions):
            solutions.rows.append({n: _term(row[n]) for n in names if row[n] is not None})
        return solutions
    triples = Triples()
    for triple in _bounded(result, limits, deadline, triples):
        triples.triples.append((_term(triple.subject), _term(triple.predicate),
                                _term(triple.object)))
    return triples


def _bounded(items: Iterable, limits: QueryLimits, deadline: float,
             answer: Solutions | Triples) -> Iterator:
    """``items`` up to ``limits.max_rows`` (then ``answer.truncated``), checking the deadline
    before each. Raises QueryTimeout past the deadline."""
    count = 0
    iterator = iter(items)
    while True:
        _check_deadline(deadline, limits)
        item = next(iterator, None)
        if item is None:
            return
        if count == limits.max_rows:
            answer.truncated = True
            return
        count += 1
        yield item


def _check_deadline(deadline: float, limits: QueryLimits) -> None:
    if time.monotonic() > deadline:
        raise past_time_limit(limits)


def past_time_limit(limits: QueryLimits) -> QueryTimeout:
    """The error of a query stopped at its time limit."""
    return QueryTimeout(f"the query ran past the time limit of {limits.seconds:g} s "
                        "and was stopped")


def _term(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    """:func:`to_rdflib`; raises QueryRefused for an RDF 1.2 triple term (rdflib has none)."""
    if isinstance(term, ox.Triple):
        raise QueryRefused("the answer holds an RDF 1.2 triple term, which this endpoint "
                           "cannot serialise")
    return to_rdflib(term)
