"""The SPARQL 1.1 Protocol endpoint at ``/sparql``, over the public area only.

Queries come by GET (``query=``), by form POST (``application/x-www-form-urlencoded``) or by
direct POST (``application/sparql-query``, dataset parameters in the URL), with
``default-graph-uri`` / ``named-graph-uri``. Answers are negotiated (negotiation.py) and
written by results.py; a browser asking for ``/sparql`` without a query gets the query page.

The endpoint reads ``Repository.public`` and nothing else, so no query can reach working data.
It is read-only: updates, SERVICE and LOAD are refused before anything is parsed
(:func:`repository.sparql.check_read_only`).

**Limits** (``[sparql]`` in yuliao.toml): each query runs in a query process
(:mod:`repository.querypool`) and may take ``time_limit`` seconds in all, waiting for a free
process included, and ``memory_limit_mib``; past either its process is killed and the answer
is 503 naming the limit. At most ``heavy`` queries may run longer than ``heavy_after``
seconds at once; another is stopped with 503 and ``Retry-After``, so small queries go on being
answered while long ones run. Answers hold at most ``max_rows`` rows or triples; a cut answer
carries the header ``Yuliao-Results-Truncated: {max_rows}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup, escape
from rdflib import URIRef
from rdflib.term import Node

from repository.config import SparqlSettings
from repository.errors import RepositoryError
from repository.querypool import QueryPool, ThreadRunner, query_runner
from repository.querypool.pool import CLIENT
from repository.sparql import (
    MAX_QUERY_CHARS,
    QUERY_PREFIXES,
    Answer,
    Boolean,
    Dataset,
    QueryBusy,
    QueryLimits,
    Solutions,
    Triples,
)
from repository.text_match import TextMatching

from ..limits import requesting_client
from .examples import examples
from .negotiation import BOOLEAN, GRAPH, HTML, SOLUTIONS, NotAcceptable, accepts_html, choose
from .results import CannotSerialise, json_term, serialise

bp = Blueprint("sparql", __name__, template_folder="templates")

#: Header on an answer cut at the row cap; its value is the cap.
TRUNCATED_HEADER = "Yuliao-Results-Truncated"
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


# -- running queries ---------------------------------------------------------------------------


@bp.record_once
def _install_runner(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    config = app.config.get("YULIAO")
    settings = config.sparql if config else SparqlSettings()
    app.extensions[EXTENSION] = query_runner(app.extensions["yuliao"], settings)
    app.extensions[EXTENSION + ".settings"] = settings


def runner() -> QueryPool | ThreadRunner:
    return current_app.extensions[EXTENSION]


def settings() -> SparqlSettings:
    return current_app.extensions[EXTENSION + ".settings"]


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
    asked = None
    try:
        asked = read_request()
        if asked.query is None:
            return _no_query(asked)
        repository = current_app.extensions["yuliao"]
        current_app.extensions["yuliao.void"].refresh()  # the statistics SPARQL reads
        public = TextMatching(runner(), repository.text_index.search)
        limits = QueryLimits(settings().time_limit, settings().max_rows)
        CLIENT.set(requesting_client())  # waiting queries are served fairly by client
        return _answer(asked, public.evaluate(asked.query, limits=limits,
                                              dataset=asked.dataset))
    except (ProtocolError, RepositoryError, NotAcceptable, CannotSerialise) as error:
        if asked is not None and asked.query is not None and _wants_page(asked):
            return _page(asked.query, None, None, error=error)
        return _error(error)


def _wants_page(asked: QueryRequest) -> bool:
    """Whether the client is a browser on the query page (which shows an error in the page,
    with the query kept, rather than as a line of plain text)."""
    if "html" in asked.formats:
        return True
    return not asked.formats and accepts_html(request.accept_mimetypes)


def _no_query(asked: QueryRequest) -> Response:
    if request.method == "GET" and (accepts_html(request.accept_mimetypes)
                                    or "html" in asked.formats):
        return _page(None, None, None)
    raise ProtocolError("no query given: send query= (or POST the query)")


#: ``format=`` values that make a training manifest (or its NOTICE file) of the datasets a
#: SELECT's first variable holds (endpoints/files.py).
SELECTIONS = ("manifest", "notice")


def _answer(asked: QueryRequest, answer: Answer) -> Response:
    kind = GRAPH if isinstance(answer, Triples) else (
        BOOLEAN if isinstance(answer, Boolean) else SOLUTIONS)
    chosen = [name for name in asked.formats if name in SELECTIONS]
    if chosen:
        return _selection(asked, answer, chosen[0])
    fmt = choose(kind, request.accept_mimetypes, asked.formats)
    if fmt is HTML:
        response = _page(asked.query, answer, kind)
    else:
        response = Response(serialise(answer, fmt), content_type=fmt.content_type)
    if isinstance(answer, Solutions | Triples) and answer.truncated:
        response.headers[TRUNCATED_HEADER] = str(settings().max_rows)
    response.vary.add("Accept")
    return response


def _selection(asked: QueryRequest, answer: Answer, name: str) -> Response:
    """The manifest (or NOTICE) of the datasets in the first column of a SELECT's answer.
    Raises ProtocolError for another kind of query."""
    from ..files import selection_manifest

    if not isinstance(answer, Solutions) or not answer.variables:
        raise ProtocolError(f"format={name} is made from a SELECT query whose first variable "
                            "holds datasets")
    first = answer.variables[0]
    iris = [str(row[first]) for row in answer.rows if isinstance(row.get(first), URIRef)]
    response = selection_manifest(iris, asked.query or "", as_notice=name == "notice")
    if answer.truncated:
        response.headers[TRUNCATED_HEADER] = str(settings().max_rows)
    return response


def _page(query: str | None, answer: Answer | None, kind: str | None, *,
          error: Exception | None = None) -> Response:
    """The query page: ``query`` in the editor, and its ``answer`` or its ``error`` (with the
    error's status) below it."""
    html = render_template(
        "sparql.html", query=query or _default_query(), answer=answer, kind=kind,
        prefixes=QUERY_PREFIXES, examples=examples(), settings=settings(), error=error,
        endpoint=url_for("sparql.sparql"), truncated_header=TRUNCATED_HEADER, term=term_html)
    status = getattr(error, "status", 500) if error is not None else 200
    response = Response(html, status=status, content_type=HTML.content_type)
    if isinstance(error, QueryBusy):
        response.headers["Retry-After"] = str(error.retry_after)
    response.vary.add("Accept")
    return response


#: Datatypes whose values a results table shows as plain numbers.
NUMBERS = frozenset(f"http://www.w3.org/2001/XMLSchema#{name}" for name in (
    "integer", "decimal", "double", "float", "int", "long", "short", "byte",
    "nonNegativeInteger", "positiveInteger", "nonPositiveInteger", "negativeInteger",
    "unsignedInt", "unsignedLong", "unsignedShort", "unsignedByte"))


def prefixed(iri: str) -> str:
    """``iri`` as a prefixed name when one of the query prefixes covers it (``dct:title``),
    else the IRI itself."""
    best = max(((name, space) for name, space in QUERY_PREFIXES.items()
                if iri.startswith(space) and _local_name(iri[len(space):])),
               key=lambda pair: len(pair[1]), default=None)
    return f"{best[0]}:{iri[len(best[1]):]}" if best else iri


def _local_name(rest: str) -> bool:
    return rest == "" or all(c.isalnum() or c in "-_." for c in rest)


def term_html(term: Node) -> Markup:
    """One term in a results table: IRIs as links named by their prefixed names, numbers as
    numbers, other literals with their language or (prefixed) datatype."""
    view = json_term(term)
    value = escape(view["value"])
    if view["type"] == "uri":
        return Markup(f'<a href="{value}" title="{value}">{escape(prefixed(view["value"]))}</a>')
    if view["type"] == "bnode":
        return Markup(f"_:{value}")
    if "xml:lang" in view:
        return Markup(f'{value} <span class="lang">@{escape(view["xml:lang"])}</span>')
    if view.get("datatype") in NUMBERS:
        return Markup(f'<span class="number">{value}</span>')
    if "datatype" in view:
        datatype = escape(prefixed(view["datatype"]))
        return Markup(f'{value} <span class="dt">^^{datatype}</span>')
    return Markup(str(value))


def _default_query() -> str:
    return examples()[0].query if examples() else "SELECT * WHERE { ?s ?p ?o } LIMIT 10"


def _error(error: Exception) -> Response:
    status = getattr(error, "status", 500)
    response = Response(f"{error}\n", status=status, content_type="text/plain; charset=utf-8")
    if isinstance(error, QueryBusy):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
