"""Downloads: ``/record/{id}/files/{name}``, the files of published records.

A file is reachable only through the public revision of its record: the distribution whose
``dcat:downloadURL`` is the address asked for, in the public area (a file added to a draft,
or to a revision under review, is not there: 404). Files under an open licence (OGDL and the
Creative Commons licences, :data:`OPEN_LICENCES`) with public access download directly, with
``Range``, a strong ``ETag`` (the SHA-256 of the bytes) and ``Content-Disposition``; any
other file (SAITDL, a licence still to be confirmed, restricted access) is answered 403 with a
page that explains its licence, the attribution it requires and whom to ask (the dataset's
contact point). Every download is written to the audit log (seed 004 §9) before its bytes are
sent; when the log cannot be written, nothing is sent (503). The bytes come from the home's
file store (``[files] store``): a file on disk is sent as a file, one in an object store is
streamed from it, a ``Range`` fetching only from where it starts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_file,
    url_for,
)
from rdflib import Graph, URIRef
from werkzeug.exceptions import RequestedRangeNotSatisfiable

from repository.accounts.audit import AuditEvent
from repository.actors import Actor
from repository.errors import NotFound, RepositoryError
from repository.files import DiskStore, FileStore, file_store
from repository.files.distributions import download_url
from repository.files.manifest import manifest, notice, record_entry
from repository.records import is_tombstone
from repository.search.query import Results
from vocab.namespaces import DCAT, DCT, FOAF, SPDX, VCARD, VOCAB_BASE

from . import record_view as view
from .admin import SESSION_COOKIE, office
from .i18n import vary_by_language
from .limits import requesting_client
from .records import find_public, gone, repository

bp = Blueprint("files", __name__, template_folder="templates")

#: Licences whose files anyone may download (the others need an agreement first).
OPEN_LICENCES = frozenset(URIRef(f"{VOCAB_BASE}licence/{code}") for code in (
    "OGDL-Taiwan-1.0", "CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-ND-4.0", "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0", "CC-BY-NC-ND-4.0", "CC0-1.0"))
#: The application's file store (made at its first download).
STORE = "yuliao.files"
PUBLIC_ACCESS = URIRef("http://publications.europa.eu/resource/authority/access-right/PUBLIC")
TEXT = "text/plain; charset=utf-8"


@bp.get("/record/<minted:local_id>/files/<path:name>", merge_slashes=False)
def download(local_id: str, name: str) -> Response:
    """The file ``name`` of the published record ``local_id``: 404 when the public revision
    has no such file, 410 withdrawn, 403 for a licence that needs an agreement, 503 when the
    download cannot be audited."""
    found = find_public(local_id)
    if found is None or found.moved:
        abort(404)
    ids = repository().ids
    if is_tombstone(found.graph, found.id, ids):
        return gone(found.id, found.graph, None)
    terms = file_terms(found.graph, found.id, name)
    if terms is None:
        abort(404)
    actor = None
    if not terms.open:
        actor = signed_in()
        if actor is None or not may_download(actor, found.id, terms):
            return _agreement_needed(found.graph, terms, name, found.id, actor)
    node = terms.node
    sha256 = str(found.graph.value(found.graph.value(node, SPDX.checksum), SPDX.checksumValue))
    media = str(found.graph.value(node, DCAT.mediaType) or "").rsplit("media-types/", 1)[-1]
    _audit(found.id, name, sha256, actor)
    response = _sent(sha256, name, media or "application/octet-stream")
    if not terms.open:  # answered by who asks: never from a shared cache
        response.cache_control.public = False
        response.cache_control.private = True
        response.vary.add("Cookie")
    return response


@dataclass(frozen=True)
class Terms:
    """What governs one file of a published record: its distribution, its licence and
    access rights (its own, else the dataset's), the providing agency's code."""

    node: URIRef
    licence: URIRef | None
    access: URIRef | None
    agency: str | None

    @property
    def open(self) -> bool:
        """Anyone may download it: an open licence and public access."""
        return self.licence in OPEN_LICENCES and self.access in (None, PUBLIC_ACCESS)

    @property
    def restricted(self) -> bool:
        """Its access rights are not public: only its agency's staff may have it."""
        return self.access not in (None, PUBLIC_ACCESS)


def file_terms(graph: Graph, local_id: str, name: str) -> Terms | None:
    """The terms of the file ``name`` of the published record ``local_id`` (its public
    graph ``graph``); None when it has no such file."""
    ids = repository().ids
    subject = ids.resource(local_id)
    node = _distribution(graph, subject, download_url(ids.base, local_id, name))
    if node is None:
        return None
    publisher = graph.value(subject, DCT.publisher)
    agency = str(publisher).rsplit("/", 1)[-1] if publisher is not None else None
    return Terms(node, _inherited(graph, subject, node, DCT.license),
                 _inherited(graph, subject, node, DCT.accessRights), agency)


def signed_in() -> Actor | None:
    """The actor of the request's back-office session, if any. Answers 503 when the
    accounts database cannot be read."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return office().sessions.resolve(token)
    except RepositoryError as error:
        current_app.logger.error("a session could not be read: %s", error)
        abort(503)


def may_download(actor: Actor, local_id: str, terms: Terms) -> bool:
    """Whether ``actor`` may download a file under ``terms`` that is not open: they accepted
    its licence for this record, and a restricted file is their own agency's (or they are a
    platform admin). Answers 503 when the acceptances cannot be read."""
    if terms.restricted and not actor.speaks_for(terms.agency):
        return False
    try:
        return office().acceptances.accepted(actor.account, local_id,
                                             str(terms.licence)) is not None
    except RepositoryError as error:
        current_app.logger.error("licence acceptances could not be read: %s", error)
        abort(503)


@bp.get("/record/<minted:local_id>/manifest.json", merge_slashes=False)
def record_manifest(local_id: str) -> Response:
    """The training manifest of one published record (repository.files.manifest); 404
    unknown, 410 withdrawn."""
    return _of_record(local_id, jsonify)


@bp.get("/record/<minted:local_id>/NOTICE.txt", merge_slashes=False)
def record_notice(local_id: str) -> Response:
    """The NOTICE file of one published record: the credit its licence asks for, zh-Hant and
    English; 404 unknown, 410 withdrawn."""
    return _of_record(local_id, _notice_response)


def _of_record(local_id: str, answer) -> Response:
    found = find_public(local_id)
    if found is None or found.moved:
        abort(404)
    if is_tombstone(found.graph, found.id, repository().ids):
        return gone(found.id, found.graph, None)
    return answer(manifest([_entry(found.id, found.graph)], selection=f"record {found.id}"))


def _notice_response(whole: dict) -> Response:
    return Response(notice(whole), mimetype="text/plain", content_type=TEXT)


def search_manifest(results: Results, next_page: str | None, *,
                    as_notice: bool = False) -> Response:
    """The training manifest (or its NOTICE file) of a page of search results
    (``/search?…&format=manifest`` or ``format=notice``)."""
    entries = []
    for hit in results.hits:
        found = find_public(hit.local_id)
        if found is not None and not is_tombstone(found.graph, found.id, repository().ids):
            entries.append(_entry(found.id, found.graph))
    whole = manifest(entries, selection=request.url, next_page=next_page)
    return _notice_response(whole) if as_notice else jsonify(whole)


#: Datasets a SPARQL selection's manifest holds at most (the whole catalogue: ``yuliao
#: export --format manifest``).
MAX_SELECTED = 1000


def selection_manifest(iris: list[str], query: str, *, as_notice: bool = False) -> Response:
    """The training manifest (or NOTICE file) of the published datasets ``iris`` (dataset
    IRIs, ``{base}id/{id}``; others are passed over) a SPARQL query selected, in the order
    given, each once, at most
    :data:`MAX_SELECTED` (``/sparql?query=…&format=manifest``)."""
    ids, entries, seen = repository().ids, [], set()
    for iri in iris:
        local_id = ids.local_id_of(iri)
        if local_id is None or local_id in seen:
            continue
        seen.add(local_id)
        found = find_public(local_id)
        if found is not None and not is_tombstone(found.graph, found.id, ids):
            entries.append(_entry(found.id, found.graph))
        if len(seen) == MAX_SELECTED:
            break
    whole = manifest(entries, selection=f"SPARQL: {query}")
    if len(seen) == MAX_SELECTED:
        whole["truncated"] = (f"the first {MAX_SELECTED} datasets selected; the whole "
                              "catalogue's manifest is `yuliao export --format manifest`")
    return _notice_response(whole) if as_notice else jsonify(whole)


def _entry(local_id: str, graph: Graph):
    subject = repository().ids.resource(local_id)
    return record_entry(graph, subject, local_id,
                        url_for("records.page", local_id=local_id, _external=True))


def _distribution(graph: Graph, subject: URIRef, url: URIRef) -> URIRef | None:
    for node in graph.objects(subject, DCAT.distribution):
        if (node, DCAT.downloadURL, url) in graph:
            return node
    return None


def _inherited(graph: Graph, subject: URIRef, node: URIRef, predicate: URIRef):
    """The distribution's own value of ``predicate``, else its dataset's."""
    return graph.value(node, predicate) or graph.value(subject, predicate)


def _sent(sha256: str, name: str, media_type: str) -> Response:
    """The stored file, with Range, its SHA-256 as a strong ETag, and its name; 404 when the
    store does not have it. Raises StoreError when the store fails (503)."""
    store = _store()
    if isinstance(store, DiskStore):
        path = store.path(sha256)
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=media_type, conditional=True, etag=sha256,
                             max_age=3600)
    else:
        response = _streamed(store, sha256, media_type)
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _store() -> FileStore:
    """The home's file store, made once for the application. Raises InputError, StoreError
    as :func:`~repository.files.file_store` does."""
    store = current_app.extensions.get(STORE)
    if store is None:
        store = current_app.extensions[STORE] = file_store(current_app.config["YULIAO"])
    return store


def _streamed(store: FileStore, sha256: str, media_type: str) -> Response:
    """The stored bytes read from the store's (seekable) stream, with the headers and the
    Range and conditional answers send_file gives a file on disk; 404 when there are none."""
    try:
        stream = store.open(sha256)
    except NotFound:
        abort(404)
    size = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    response = send_file(stream, mimetype=media_type, conditional=False, etag=sha256,
                         max_age=3600)
    response.content_length = size
    try:
        return response.make_conditional(request, accept_ranges=True, complete_length=size)
    except RequestedRangeNotSatisfiable:
        stream.close()
        raise


def _audit(local_id: str, name: str, sha256: str, actor: Actor | None = None) -> None:
    """The download in the audit log (by ``actor`` when signed in). Answers 503 when it
    cannot be written."""
    if request.method != "GET":
        return
    who = {"who": actor.account} if actor is not None else {}
    try:
        office().audit.append(AuditEvent("download", **who, client=requesting_client(),
                                         record=local_id,
                                         details=f"{name} (sha256 {sha256}), "
                                                 f"{request.headers.get('Range') or 'whole'}"))
    except RepositoryError as error:
        current_app.logger.error("a download could not be audited: %s", error)
        abort(503)


def _agreement_needed(graph: Graph, terms: Terms, name: str, local_id: str,
                      actor: Actor | None) -> Response:
    """403: the licence explained, how to accept it (signed in), and whom to ask."""
    subject = repository().ids.resource(local_id)
    licence = terms.licence
    explained = view.explain_licence(licence) if licence is not None else None
    contact = [(view.value_of(graph, c).texts,
                sorted(str(e) for e in graph.objects(c, VCARD.hasEmail)))
               for c in graph.objects(subject, DCAT.contactPoint)]
    publisher = [view.value_of(graph, p) for p in graph.objects(subject, DCT.publisher)]
    titles = [view.Text(str(t), t.language) for t in graph.objects(subject, DCT.title)]
    accept = f"{request.script_root}/admin/licence/{quote(local_id, safe=':')}/{quote(name)}"
    body = render_template("download_refused.html", licence=explained, contacts=contact,
                           publishers=publisher, name=name, titles=titles, actor=actor,
                           restricted=terms.restricted and not (
                               actor is not None and actor.speaks_for(terms.agency)),
                           accept_url=accept, accepting=current_app.config["BACK_OFFICE"],
                           record_url=str(graph.value(predicate=FOAF.primaryTopic,
                                                      object=subject) or ""))
    response = vary_by_language(Response(body, 403, mimetype="text/html"))
    response.vary.add("Cookie")
    response.cache_control.private = True
    return response

