"""One area of the store on a SPARQL 1.1 server (Oxigraph server, Fuseki, Virtuoso …).

:class:`RemoteStore` has the interface of the embedded :class:`repository.store.Store`
(:class:`repository.backends.TripleStore`), so several processes or machines can share one
store. Every record write is still one SPARQL update request, which the server applies
atomically. Reads use SPARQL queries (results as JSON, graphs as N-Triples) and the Graph Store
Protocol (``GET ?graph=``); the Oxigraph layout also dumps and loads whole datasets as N-Quads
through its graph store endpoint. Terms are parsed with pyoxigraph and converted exactly as the
embedded store converts them (:func:`repository.store.to_rdflib`: BCP 47 tag case, datatypes).

Every request has a connect and a read timeout; connection errors and 5xx answers are retried
with exponential backoff, a read timeout is not (an update may have been applied). Failures
raise StoreError naming the URL.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import pyoxigraph as ox
import requests
from rdflib import Graph, URIRef
from rdflib.term import Node
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from .config import RemoteEndpoints
from .errors import StoreError
from .sparql import (
    QUERY_PREFIXES,
    Answer,
    Dataset,
    QueryLimits,
    QuerySyntaxError,
    check_read_only,
    has_dataset_clause,
)
from .store import (
    T,
    lexical_rows,
    materialise,
    ntriples,
    past_time_limit,
    replacement_update,
    term_rows,
    to_rdflib,
)

RETRY_STATUS = frozenset({500, 502, 503, 504})
USER_AGENT = "Yuliao-store/0.1 (+https://w3id.org/yuliao)"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
#: What Oxigraph server writes into a 200 body when its ``--timeout-s`` stops a query.
CANCELLED = b"has been cancelled"
#: Graph names checked per query by :meth:`RemoteStore.absent`.
ABSENT_BATCH = 500
#: Every quad of the store. Yuliao writes named graphs only, and a server whose default graph
#: is the union of the named graphs (Fuseki with tdb2:unionDefaultGraph) would count it twice.
QUAD_PATTERN = "GRAPH ?g { ?s ?p ?o }"


@dataclass(frozen=True)
class RequestLimits:
    """Limits of every request to the server (seconds)."""

    connect_timeout: float = 5.0
    read_timeout: float = 60.0
    retries: int = 2
    backoff: float = 0.2
    max_backoff: float = 5.0


class RemoteStore:
    """One dataset of a SPARQL 1.1 server with the Graph Store Protocol.

    Nothing is sent when it is made; the first request raises StoreError when the server
    cannot be reached. ``sleep`` is injectable so tests can skip the backoff.
    """

    def __init__(self, endpoints: RemoteEndpoints, limits: RequestLimits | None = None, *,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.endpoints = endpoints
        self.limits = limits or RequestLimits()
        self._session = requests.Session()
        self._session.headers["User-Agent"] = USER_AGENT
        self._sleep = sleep

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.query!r})"

    # -- writing ---------------------------------------------------------------------------

    def replace(self, graphs: dict[URIRef, Iterable[tuple[Node, Node, Node]] | None]) -> None:
        """Replace each named graph by the given triples (None drops it), all in one update.

        Raises StoreError when the server refuses the update; nothing is written then.
        """
        self.replace_statements({
            name: None if triples is None else ntriples(triples) for name, triples in graphs.items()
        })

    def replace_statements(
        self, graphs: dict[URIRef, list[str] | None], *, new: frozenset[URIRef] = frozenset(),
    ) -> None:
        """:meth:`replace` with each graph given as statements (``<s> <p> "o"``, no dot);
        graphs in ``new`` are not dropped first. Raises StoreError when the server refuses the
        update; nothing is written then."""
        text = replacement_update(graphs, new)
        if text:
            self.update(text)

    def update(self, sparql: str) -> None:
        """Run one SPARQL update (one request, applied atomically by the server).

        Raises StoreError with the server's message when it refuses the update, and naming the
        URL when the server cannot be reached or does not answer in time.
        """
        if self.endpoints.layout == "virtuoso":  # the form every Virtuoso version takes
            options: dict = {"data": {"update": sparql}}
        else:
            options = {"data": sparql.encode("utf-8"),
                       "headers": {"Content-Type": "application/sparql-update; charset=utf-8"}}
        response = self._request("POST", self.endpoints.update, **options)
        with response:
            _check(response, "the store refused an update")

    def clear(self) -> None:
        """Remove everything (``DROP ALL``). Raises StoreError."""
        self.update("DROP ALL")

    # -- reading ---------------------------------------------------------------------------

    def graph(self, name: URIRef) -> Graph:
        """The triples of named graph ``name`` (empty when absent), by a Graph Store Protocol
        GET. Raises StoreError."""
        response = self._request("GET", self.endpoints.graph_store, params={"graph": str(name)},
                                 headers={"Accept": N_TRIPLES})
        with response:
            result = Graph()
            if response.status_code == 404:
                return result
            _check(response, f"cannot read graph {name}")
            for quad in _parse_rdf(response.content, ox.RdfFormat.N_TRIPLES, response.url):
                result.add((to_rdflib(quad.subject), to_rdflib(quad.predicate),
                            to_rdflib(quad.object)))
            return result

    def subject_facts(self, subject: URIRef, graph: URIRef) -> dict[URIRef, Node]:
        """Predicate → object of ``subject`` in named graph ``graph`` (with several objects for
        a predicate, one of them). Raises StoreError."""
        pattern = f"GRAPH {graph.n3()} {{ {subject.n3()} ?p ?o }}"
        rows = self.select(f"SELECT ?p ?o WHERE {{ {pattern} }}")
        return {URIRef(row["p"]): row["o"] for row in rows}

    def has_graph(self, name: URIRef) -> bool:
        """True when named graph ``name`` holds at least one triple. Raises StoreError."""
        return self.ask(f"ASK {{ GRAPH {name.n3()} {{ ?s ?p ?o }} }}")

    def absent(self, names: Iterable[URIRef]) -> frozenset[URIRef]:
        """Those of ``names`` that are not named graphs of this store. Raises StoreError."""
        wanted = list(dict.fromkeys(names))
        present: set[URIRef] = set()
        for start in range(0, len(wanted), ABSENT_BATCH):
            values = " ".join(n.n3() for n in wanted[start:start + ABSENT_BATCH])
            rows = self.select(f"SELECT ?g WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ }} }}")
            present.update(URIRef(row["g"]) for row in rows)
        return frozenset(wanted) - present

    def graph_names(self) -> list[URIRef]:
        """Every named graph in the store. Raises StoreError."""
        rows = self.select("SELECT ?g WHERE { GRAPH ?g { } }")
        return [URIRef(row["g"]) for row in rows if isinstance(row.get("g"), URIRef)]

    def select(self, sparql: str, **options: bool) -> list[dict[str, Node]]:
        """The solutions of a SELECT query as dicts of rdflib terms.

        The one option is ``use_default_graph_as_union`` (sent as Oxigraph's
        ``union-default-graph``; other servers need it in their configuration).
        Raises StoreError on a refused query, an unknown option or an unreadable answer.
        """
        return list(self.solutions(sparql, **options))

    def solutions(self, sparql: str, **options: bool) -> Iterator[dict[str, Node]]:
        """The solutions of a SELECT query one at a time, parsed as the server sends them (for
        answers too big to hold). ``options`` as for :meth:`select`. Raises StoreError on a
        refused query, an unknown option, an unreadable answer or one that breaks off."""
        return self._streamed(sparql, _union_option(options), term_rows)

    def values(self, sparql: str) -> Iterator[tuple[str | None, ...]]:
        """The solutions of a SELECT query one at a time as lexical values, parsed as the
        server sends them (see :meth:`repository.store.Store.values`). Raises StoreError as
        :meth:`solutions` does."""
        return self._streamed(sparql, {}, lexical_rows)

    def _streamed(self, sparql: str, form: dict[str, str],
                  read: Callable[[ox.QuerySolutions], Iterator[T]]) -> Iterator[T]:
        response = self._request("POST", self.endpoints.query, data={"query": sparql, **form},
                                 headers={"Accept": RESULTS_JSON}, stream=True)
        with response:
            _check(response, "query failed")
            response.raw.decode_content = True
            try:
                yield from read(ox.parse_query_results(response.raw,
                                                       format=ox.QueryResultsFormat.JSON))
            except (SyntaxError, ValueError, OSError, Urllib3Error) as error:
                raise StoreError(f"the store at {response.url} sent unreadable results: "
                                 f"{error}") from error

    def ask(self, sparql: str, **options: bool) -> bool:
        """The answer of an ASK query. Raises StoreError on failure."""
        with self._query(sparql, _union_option(options)) as response:
            return bool(_parse_results(response, response.url))

    def __len__(self) -> int:
        """The number of quads in the named graphs. Raises StoreError."""
        rows = self.select(f"SELECT (COUNT(*) AS ?n) WHERE {{ {QUAD_PATTERN} }}")
        return int(rows[0]["n"])

    def is_empty(self) -> bool:
        """True when the store holds no quad. Raises StoreError."""
        return not self.ask(f"ASK {{ {QUAD_PATTERN} }}")

    # -- the public SPARQL endpoint ----------------------------------------------------------

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer:
        """A read-only query (:mod:`repository.sparql`), its answer materialised.

        Without ``dataset`` and without FROM / FROM NAMED in the query, the default graph is the
        union of all named graphs (Oxigraph: ``union-default-graph``; other servers: their
        configuration, see docs/deployment.md). The predeclared prefixes are sent as a
        prologue on the query's first line, so the server's line numbers stay right.
        The answer is read as it arrives and stops at ``limits.max_rows`` (``truncated``).
        Raises QueryRefused (update, SERVICE, triple terms), QuerySyntaxError (the server's
        message), QueryTimeout (past ``limits.seconds``, or stopped by the server's own
        timeout) and StoreError when the server cannot be reached.
        """
        deadline = time.monotonic() + limits.seconds
        check_read_only(query)
        head = "".join(f"PREFIX {name}: <{iri}> " for name, iri in QUERY_PREFIXES.items())
        form = _dataset_form(query, dataset, self.endpoints.oxigraph)
        try:
            response = self._request(
                "POST", self.endpoints.query, data=[("query", head + query), *form],
                headers={"Accept": f"{RESULTS_JSON}, {N_TRIPLES};q=0.9"}, stream=True,
                read_timeout=limits.seconds)
        except StoreError as error:
            if isinstance(error.__cause__, requests.ReadTimeout):
                raise past_time_limit(limits) from error
            raise
        with response:
            if response.status_code == 400:
                raise QuerySyntaxError(f"syntax error: {_shifted(_message(response), len(head))}")
            _check(response, "the query could not be evaluated")
            body = _Body(response, deadline)
            return _answer(response, body, limits)

    # -- dump and restore ------------------------------------------------------------------

    def quads(self) -> Iterator[ox.Quad]:
        """Every quad (read in full first): Oxigraph's whole dataset as N-Quads, or on other
        servers a SELECT over the named graphs. Raises StoreError."""
        if self.endpoints.oxigraph:
            response = self._request("GET", self.endpoints.graph_store,
                                     headers={"Accept": N_QUADS})
            with response:
                _check(response, "cannot read the dataset")
                return iter(list(_parse_rdf(response.content, ox.RdfFormat.N_QUADS,
                                            response.url)))
        with self._query(f"SELECT ?s ?p ?o ?g WHERE {{ {QUAD_PATTERN} }}", {}) as response:
            rows = list(_parse_results(response, response.url))
        return iter([ox.Quad(r["s"], r["p"], r["o"], r["g"]) for r in rows])

    def dump(self, out: BinaryIO) -> None:
        """Write every quad as N-Quads to ``out``. Raises StoreError."""
        ox.serialize(self.quads(), out, format=ox.RdfFormat.N_QUADS)

    def load_quads(self, quads: list[ox.Quad]) -> None:
        """Add ``quads`` in one request (Oxigraph: a POST of N-Quads to the graph store;
        others: one INSERT DATA). Raises StoreError; nothing is written then."""
        if not quads:
            return
        if not self.endpoints.oxigraph:
            self.update(_insert_data(quads))
            return
        response = self._request("POST", self.endpoints.graph_store,
                                 data=ox.serialize(quads, format=ox.RdfFormat.N_QUADS),
                                 headers={"Content-Type": N_QUADS})
        with response:
            _check(response, "cannot load quads")

    def flush(self) -> None:
        """Nothing to do: the server makes each request durable."""

    def close(self) -> None:
        """Close the connections to the server."""
        self._session.close()

    # -- transport ---------------------------------------------------------------------------

    def _query(self, sparql: str, form: dict[str, str]) -> requests.Response:
        """The server's answer to a SELECT or ASK (JSON). Raises StoreError, with the server's
        message when it refuses the query."""
        response = self._request("POST", self.endpoints.query,
                                 data={"query": sparql, **form},
                                 headers={"Accept": RESULTS_JSON})
        try:
            _check(response, "query failed")
        except StoreError:
            response.close()
            raise
        return response

    def _request(self, method: str, url: str, *, read_timeout: float | None = None,
                 **options) -> requests.Response:
        """One request, retried with backoff on connection errors and 5xx answers.

        Raises StoreError naming ``url`` when every attempt failed or the server did not answer
        within the read timeout (not retried: an update may have been applied).
        """
        timeout = (self.limits.connect_timeout, read_timeout or self.limits.read_timeout)
        for attempt in range(self.limits.retries + 1):
            last = attempt == self.limits.retries
            try:
                response = self._session.request(method, url, timeout=timeout, **options)
            except requests.ConnectionError as error:  # refused, reset, connect timeout
                if not last:
                    self._backoff(attempt)
                    continue
                raise StoreError(f"the store at {url} cannot be reached: "
                                 f"{_reason(error)}") from error
            except requests.Timeout as error:
                raise StoreError(f"the store at {url} did not answer within "
                                 f"{timeout[1]:g} s") from error
            except requests.RequestException as error:
                raise StoreError(f"request to the store at {url} failed: {error}") from error
            if response.status_code in RETRY_STATUS and not last:
                response.close()
                self._backoff(attempt)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _backoff(self, attempt: int) -> None:
        self._sleep(min(self.limits.backoff * 2 ** attempt, self.limits.max_backoff))


# -- reading answers -----------------------------------------------------------------------------


class _Body(io.RawIOBase):
    """A streamed response body for pyoxigraph's parsers that stops at ``deadline`` and
    remembers whether the server wrote Oxigraph's cancellation notice into it."""

    def __init__(self, response: requests.Response, deadline: float) -> None:
        super().__init__()
        self._raw, self.deadline = response.raw, deadline
        self.expired = self.cancelled = False
        self._tail = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if time.monotonic() > self.deadline:
            self.expired = True
            return 0
        try:
            data = self._raw.read1(len(buffer), decode_content=True)
        except (Urllib3Error, OSError, ValueError) as error:  # ReadTimeoutError, ProtocolError
            self.expired = isinstance(error, Urllib3Timeout | TimeoutError)
            raise StoreError(f"the answer broke off: {error}") from error
        self.cancelled = self.cancelled or CANCELLED in self._tail + data
        self._tail = data[-64:]
        buffer[:len(data)] = data
        return len(data)


def _answer(response: requests.Response, body: _Body, limits: QueryLimits) -> Answer:
    """The answer read from ``body``, by the response's media type. Raises QueryTimeout when
    the deadline passed or the server stopped the query, StoreError for a broken answer."""
    kind = response.headers.get("Content-Type", "").split(";")[0].strip()
    try:
        if kind == N_TRIPLES:
            result = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
        else:
            result = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        answer = materialise(result, limits, body.deadline)
        if body.expired:
            raise past_time_limit(limits)
        return answer
    except (StoreError, SyntaxError, OSError, ValueError) as error:
        if body.expired or body.cancelled:
            raise past_time_limit(limits) from error
        if isinstance(error, StoreError):
            raise
        raise StoreError(f"the store at {response.url} sent an unreadable answer: "
                         f"{error}") from error


def _parse_results(response: requests.Response,
                   url: str) -> ox.QuerySolutions | ox.QueryBoolean:
    try:
        return ox.parse_query_results(response.content, format=ox.QueryResultsFormat.JSON)
    except (SyntaxError, ValueError) as error:
        raise StoreError(f"the store at {url} sent unreadable results: {error}") from error


def _parse_rdf(data: bytes, fmt: ox.RdfFormat, url: str) -> list[ox.Quad]:
    try:
        return list(ox.parse(data, format=fmt))
    except (SyntaxError, ValueError) as error:
        raise StoreError(f"the store at {url} sent unreadable RDF: {error}") from error


# -- building requests ---------------------------------------------------------------------------


def _union_option(options: dict[str, bool]) -> dict[str, str]:
    """The form field for ``use_default_graph_as_union``. Raises StoreError for any other
    option (the remote store cannot honour it)."""
    unknown = set(options) - {"use_default_graph_as_union"}
    if unknown:
        raise StoreError(f"query options not supported by the remote store: {sorted(unknown)}")
    return {"union-default-graph": ""} if options.get("use_default_graph_as_union") else {}


def _dataset_form(query: str, dataset: Dataset | None, oxigraph: bool) -> list[tuple[str, str]]:
    """The protocol's dataset fields: ``default-graph-uri`` / ``named-graph-uri`` when given,
    else the union default graph (Oxigraph) unless the query has FROM / FROM NAMED."""
    if dataset is not None and (dataset.default_graphs is not None
                                or dataset.named_graphs is not None):
        form = [("default-graph-uri", str(g)) for g in dataset.default_graphs or ()]
        form += [("named-graph-uri", str(g)) for g in dataset.named_graphs or ()]
        if not form:  # both lists empty: an empty dataset, which the protocol cannot say
            form = [("default-graph-uri", "urn:yuliao:empty")]
        return form
    if oxigraph and not has_dataset_clause(query):
        return [("union-default-graph", "")]
    return []


def _insert_data(quads: list[ox.Quad]) -> str:
    """One INSERT DATA adding ``quads`` (for servers without an N-Quads graph store)."""
    by_graph: dict[str, list[str]] = {}
    for quad in quads:
        graph = "" if isinstance(quad.graph_name, ox.DefaultGraph) else str(quad.graph_name)
        by_graph.setdefault(graph, []).append(f"{quad.subject} {quad.predicate} {quad.object} .")
    blocks = [("\n".join(lines) if not graph else f"GRAPH {graph} {{\n" + "\n".join(lines) + "\n}")
              for graph, lines in by_graph.items()]
    return "INSERT DATA {\n" + "\n".join(blocks) + "\n}"


# -- errors --------------------------------------------------------------------------------------


def _check(response: requests.Response, what: str) -> None:
    """Raises StoreError with the server's message when ``response`` is not a success."""
    if response.status_code >= 400:
        raise StoreError(f"{what}: HTTP {response.status_code} from {response.url}: "
                         f"{_message(response)}")


def _message(response: requests.Response) -> str:
    """The first 500 characters of the server's message."""
    text = response.text.strip()
    return text if len(text) <= 500 else text[:497] + "..."


def _shifted(message: str, columns: int) -> str:
    """``message`` with a ``1:C`` position moved left by the prologue's ``columns``."""
    def back(match: re.Match) -> str:
        column = int(match.group(2))
        return f"1:{column - columns if column > columns else column}"
    return re.sub(r"\b(1):(\d+)\b", back, message, count=1)


def _reason(error: BaseException) -> str:
    """The operating system's reason inside a requests/urllib3 error ("[Errno 111] Connection
    refused", "timed out"), else its first 200 characters."""
    text = str(error)
    found = re.search(r"\[Errno -?\d+\] [^'\")]+|timed out", text)
    if found:
        return found.group()
    return text if len(text) <= 200 else text[:197] + "..."
