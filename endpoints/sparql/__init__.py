"""The SPARQL 1.1 Protocol endpoint at ``/sparql``, over the public area only.

Queries come by GET (``query=``), by form POST (``application/x-www-form-urlencoded``) or by
direct POST (``application/sparql-query``, dataset parameters in the URL), with
``default-graph-uri`` / ``named-graph-uri``. Answers are negotiated (negotiation.py) and
written by results.py; a browser asking for ``/sparql`` without a query gets the query page.

The endpoint reads ``Repository.public`` and nothing else, so no query can reach working data.
It is read-only: updates, SERVICE and LOAD are refused before anything is parsed
(:func:`repository.sparql.check_read_only`).

**Limits** (``[sparql]`` in yuliao.toml): each query runs on a bounded pool of ``workers``
threads and may take ``time_limit`` seconds in all, waiting for a free worker included; past
it the answer is 503 naming the limit. The embedded store checks the deadline between
solutions, which truly stops streaming queries (a cross product). Oxigraph cannot cancel a
query, so a *blocking* operator (ORDER BY, GROUP BY, COUNT over a huge join) keeps its worker
busy until Oxigraph produces its first solution, long after the client got its 503; the pool
bound keeps such queries from starving the server (at most ``workers`` of them run, and other
requests never wait on them beyond their own time limit). Answers hold at most ``max_rows``
rows or triples; a cut answer carries the header ``Yuliao-Results-Truncated: {max_rows}``.
"""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup, escape
from rdflib import URIRef
from rdflib.term import Node

from repository.config import SparqlSettings
from repository.errors import RepositoryError
from repository.sparql import (
    MAX_QUERY_CHARS,
    QUERY_PREFIXES,
    Answer,
    Boolean,
    Dataset,
    Evaluator,
    QueryLimits,
    QueryTimeout,
    Solutions,
    Triples,
    check_read_only,
)
from repository.text_match import TextMatching

from .examples import examples
from .negotiation import BOOLEAN, GRAPH, HTML, SOLUTIONS, NotAcceptable, accepts_html, choose
from .results import CannotSerialise, json_term, serialise

bp = Blueprint("sparql", __name__, template_folder="templates")

#: Header on an answer cut at the row cap; its value is the cap.
TRUNCATED_HEADER = "Yuliao-Results-Truncated"
#: Seconds the request thread waits beyond the time limit for a worker to report its timeout.
GRACE_S = 0.5
#: Largest request body accepted (a query is at most MAX_QUERY_CHARS characters).
MAX_BODY_BYTES = 4 * MAX_QUERY_CHARS
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|^`\\]*")
EXTENSION = "yuliao.sparql"


class ProtocolError(Exception):
    """A request the SPARQL Protocol does not allow; carries the HTTP status to answer."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class QueryRequest:
    """What a protocol request asks: the query (None: none given), its dataset, ``format``."""

    query: str | None
    dataset: Dataset | None
    formats: list[str]


# -- running queries on a bounded pool ---------------------------------------------------------


class QueryRunner:
    """Runs queries on ``settings.workers`` threads, each within ``settings.time_limit``
    seconds counted from the request (waiting for a worker included)."""

    def __init__(self, settings: SparqlSettings) -> None:
        self.settings = settings
        self._pool = ThreadPoolExecutor(max_workers=settings.workers,
                                        thread_name_prefix="sparql")
        self._slots = threading.BoundedSemaphore(settings.workers)

    def run(self, store: Evaluator, query: str, dataset: Dataset | None) -> Answer:
        """The answer of ``query`` on ``store`` (a Store or RemoteStore).

        Raises QueryRefused at once for an update or SERVICE (no worker needed), QueryTimeout
        when no worker frees up or the query does not finish within the time limit, and what
        ``store.evaluate`` raises.
        """
        check_read_only(query)
        limit = self.settings.time_limit
        deadline = time.monotonic() + limit
        if not self._slots.acquire(timeout=limit):
            raise QueryTimeout(f"all {self.settings.workers} query workers stayed busy for the "
                               f"time limit of {limit:g} s; try again later")
        try:
            future = self._pool.submit(self._evaluate, store, query, dataset, deadline)
        except RuntimeError:
            self._slots.release()
            raise
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()) + GRACE_S)
        except (FutureTimeout, QueryTimeout):
            raise QueryTimeout(f"the query ran past the time limit of {limit:g} s and was "
                               "stopped") from None

    def _evaluate(self, store: Evaluator, query: str, dataset: Dataset | None,
                  deadline: float) -> Answer:
        """In a worker: evaluate and materialise, then free the slot."""
        try:
            limits = QueryLimits(seconds=max(0.0, deadline - time.monotonic()),
                                 max_rows=self.settings.max_rows)
            return store.evaluate(query, limits=limits, dataset=dataset)
        finally:
            self._slots.release()


@bp.record_once
def _install_runner(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    config = app.config.get("YULIAO")
    app.extensions[EXTENSION] = QueryRunner(config.sparql if config else SparqlSettings())


def runner() -> QueryRunner:
    return current_app.extensions[EXTENSION]


# -- reading a protocol request ----------------------------------------------------------------


def read_request() -> QueryRequest:
    """The query, dataset and ``format`` of this request (SPARQL 1.1 Protocol §2.1).

    Raises ProtocolError: 400 for two queries, an update, a bad graph IRI or undecodable body,
    413 for a body over MAX_BODY_BYTES, 415 for a POST of another media type.
    """
    params = list(request.args.items(multi=True))
    if request.method == "POST":
        params += _post_params()
    names = [name for name, _ in params]
    if "update" in names:
        raise ProtocolError("this endpoint is read-only: SPARQL Update (update=) is refused")
    queries = [value for name, value in params if name == "query"]
    if len(queries) > 1:
        raise ProtocolError(f"{len(queries)} queries given; send exactly one")
    return QueryRequest(queries[0] if queries else None, _dataset(params),
                        [value for name, value in params if name == "format"])


def _post_params() -> list[tuple[str, str]]:
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise ProtocolError(f"the request body is over {MAX_BODY_BYTES} bytes", 413)
    media_type = request.mimetype
    if media_type == FORM:
        return list(request.form.items(multi=True))
    if media_type == DIRECT:
        if "query" in request.args:
            raise ProtocolError("a direct POST carries the query in its body, not in query=")
        return [("query", _body_text())]
    if media_type == "application/sparql-update":
        raise ProtocolError("this endpoint is read-only: SPARQL Update is refused")
    raise ProtocolError(f"POST a query as {FORM} or {DIRECT}, not {media_type or 'no type'}",
                        415)


def _body_text() -> str:
    charset = request.mimetype_params.get("charset", "utf-8")
    try:
        return request.get_data(cache=False).decode(charset)
    except (LookupError, UnicodeDecodeError) as error:
        raise ProtocolError(f"the query is not valid {charset}: {error}") from error


def _dataset(params: list[tuple[str, str]]) -> Dataset | None:
    default = [_graph_iri(v) for name, v in params if name == "default-graph-uri"]
    named = [_graph_iri(v) for name, v in params if name == "named-graph-uri"]
    if not default and not named:
        return None
    return Dataset(default_graphs=tuple(default), named_graphs=tuple(named))


def _graph_iri(value: str) -> URIRef:
    if not IRI.fullmatch(value.strip()):
        raise ProtocolError(f"{value!r} is not an absolute IRI (default-graph-uri, "
                            "named-graph-uri)")
    return URIRef(value.strip())


# -- answering ---------------------------------------------------------------------------------


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    """One SPARQL Protocol request, or the query page for a browser that sends no query."""
    try:
        asked = read_request()
        if asked.query is None:
            return _no_query(asked)
        repository = current_app.extensions["yuliao"]
        current_app.extensions["yuliao.void"].refresh()  # the statistics SPARQL reads
        public = TextMatching(repository.public, repository.text_index.search)
        answer = runner().run(public, asked.query, asked.dataset)
        return _answer(asked, answer)
    except (ProtocolError, RepositoryError, NotAcceptable, CannotSerialise) as error:
        return _error(error)


def _no_query(asked: QueryRequest) -> Response:
    if request.method == "GET" and (accepts_html(request.accept_mimetypes)
                                    or "html" in asked.formats):
        return _page(None, None, None)
    raise ProtocolError("no query given: send query= (or POST the query)")


def _answer(asked: QueryRequest, answer: Answer) -> Response:
    kind = GRAPH if isinstance(answer, Triples) else (
        BOOLEAN if isinstance(answer, Boolean) else SOLUTIONS)
    fmt = choose(kind, request.accept_mimetypes, asked.formats)
    if fmt is HTML:
        response = _page(asked.query, answer, kind)
    else:
        response = Response(serialise(answer, fmt), content_type=fmt.content_type)
    if isinstance(answer, Solutions | Triples) and answer.truncated:
        response.headers[TRUNCATED_HEADER] = str(runner().settings.max_rows)
    response.vary.add("Accept")
    return response


def _page(query: str | None, answer: Answer | None, kind: str | None) -> Response:
    html = render_template(
        "sparql.html", query=query or _default_query(), answer=answer, kind=kind,
        prefixes=QUERY_PREFIXES, examples=examples(), settings=runner().settings,
        endpoint=url_for("sparql.sparql"), truncated_header=TRUNCATED_HEADER, term=term_html)
    response = Response(html, content_type=HTML.content_type)
    response.vary.add("Accept")
    return response


def term_html(term: Node) -> Markup:
    """One term in a results table: IRIs as links, literals with language or datatype."""
    view = json_term(term)
    value = escape(view["value"])
    if view["type"] == "uri":
        return Markup(f'<a href="{value}">{value}</a>')
    if view["type"] == "bnode":
        return Markup(f"_:{value}")
    if "xml:lang" in view:
        return Markup(f'{value} <span class="lang">@{escape(view["xml:lang"])}</span>')
    if "datatype" in view:
        return Markup(f'{value} <span class="dt">^^{escape(view["datatype"])}</span>')
    return Markup(str(value))


def _default_query() -> str:
    return examples()[0].query if examples() else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"


def _error(error: Exception) -> Response:
    status = getattr(error, "status", 500)
    return Response(f"{error}\n", status=status, content_type="text/plain; charset=utf-8")
