"""Uploads of the back office: files sent to the dataset form in parts, resumable (the core
protocol of tus 1.0, https://tus.io/protocols/resumable-upload, with its ``creation`` and
``termination`` extensions), so that a 500 MB file survives a broken connection and no
request carries more than ``[limits] max_body`` bytes.

- ``OPTIONS /admin/uploads``: the protocol's version, extensions and largest file.
- ``POST /admin/uploads`` (``Upload-Length``; ``Upload-Metadata``: ``filename``): a new
  upload, 201 with its ``Location``; 413 over 500 MB or over the agency's quota.
- ``HEAD /admin/uploads/<id>``: where it stands (``Upload-Offset``), to resume from there.
- ``PATCH /admin/uploads/<id>`` (``Upload-Offset``, ``application/offset+octet-stream``):
  the next part; 409 when the offset is not where the upload stands. The last part hands the
  file to one background thread, which stores, checks and counts it (:func:`repository.
  files.intake.take_in`; counting a large file takes minutes, so no request waits for it).
- ``GET /admin/uploads/<id>``: JSON: its state (``receiving``, ``processing``, ``ready``,
  ``refused``) and, when ready, the file (name, format, size, SHA-256, tokens), when refused
  the reason in the reader's language.
- ``DELETE /admin/uploads/<id>``: the upload abandoned.

A ready upload waits for the form: saving the form with ``uploaded=<id>`` adds its file to
the dataset (:func:`attached`). Every upload belongs to the account that began it; another
account gets 404. Every state-changing request carries the page's CSRF token
(``X-CSRFToken``). ``GET /admin/drafts`` drafts keywords and a description from the files
(:mod:`repository.files.drafting`) for the provider to edit.
"""

from __future__ import annotations

import base64
import binascii
import io
import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import BinaryIO

from flask import Response, current_app, jsonify, request, url_for
from flask_babel import gettext

from repository import Repository
from repository.actors import Actor, Role
from repository.errors import InputError, NotFound, RepositoryError, StoreError
from repository.files.checks import Checked, FileRefused
from repository.files.deposit import FilePlaces
from repository.files.distributions import AddedFile, stored_files
from repository.files.drafting import Draft, draft
from repository.files.fields import Column, Table
from repository.files.holdings import OverQuota
from repository.files.intake import take_in
from repository.files.scan import Scanner
from repository.files.storage import CHUNK, FileTooLarge, Stored
from repository.files.text import Counts
from repository.files.texts import text_of
from repository.files.uploads import OffsetMismatch, Upload

from ..i18n import N_
from . import bp, require, workflow

LOG = logging.getLogger(__name__)
TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination"
PART_TYPE = "application/offset+octet-stream"
PLACES = "yuliao.file-places"
PROCESSING = "yuliao.upload-processing"
#: Why a file is refused, as the page says it (the reason codes of repository.files.checks,
#: and the limits).
REFUSALS = {
    "empty": N_("The file is empty."),
    "type": N_("By its content the file is not PDF, ODT, CSV, XML or JSON."),
    "scanned": N_("The PDF has no text to extract (a scanned document?): upload a PDF with a "
                  "text layer."),
    "encoding": N_("The text is not in UTF-8, Big5 or UTF-16."),
    "malformed": N_("The file is damaged or cannot be read as its format."),
    "zip-bomb": N_("The package would unpack to far more than it holds (a zip bomb)."),
    "macro": N_("The ODT document contains macros: save it without them."),
    "malware": N_("The malware scanner found something in the file."),
    "too-large": N_("The file is over 500 MB: split it into parts of at most 500 MB."),
    "quota": N_("The agency's file quota would be exceeded."),
    "unscanned": N_("The file could not be scanned for malware; try again later."),
}


def places() -> FilePlaces:
    """Where this application's files are kept (one per application). The first call takes
    up again the uploads a stopped process left half processed (the back office runs in one
    process, so an upload still ``processing`` when it starts is nobody's)."""
    found = current_app.extensions.get(PLACES)
    if found is None:
        found = current_app.extensions[PLACES] = FilePlaces.of(_repository().config)
        scanner = Scanner.of(_repository().config.files)
        for orphan in found.uploads.processing():
            processing().submit(process, found, orphan, scanner)
    return found


def processing() -> ThreadPoolExecutor:
    """The one thread that takes whole uploads in, one at a time (counting is CPU-bound)."""
    pool = current_app.extensions.get(PROCESSING)
    if pool is None:
        pool = current_app.extensions[PROCESSING] = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="uploads")
    return pool


# -- the protocol -----------------------------------------------------------------------------

@bp.route("/admin/uploads", methods=["OPTIONS"])
def upload_options() -> Response:
    """What the server supports (no session needed to ask)."""
    return _tus(Response(status=204), {"Tus-Version": TUS_VERSION,
                                       "Tus-Extension": TUS_EXTENSIONS,
                                       "Tus-Max-Size": str(places().uploads.limit)})


@bp.post("/admin/uploads")
@require(Role.PROVIDER)
def begin_upload(actor: Actor) -> Response:
    """A new upload (see the module documentation)."""
    try:
        length = _header_int("Upload-Length")
        name = _metadata().get("filename", "")
        places().uploads.expire()
        places().check_quota(actor.agency, length, name)
        upload = places().uploads.begin(name, length, account=actor.account,
                                        agency=actor.agency or "")
    except RepositoryError as error:
        return _refused(error)
    response = _tus(Response(status=201), {"Upload-Offset": "0"})
    response.headers["Location"] = url_for("admin.upload", upload_id=upload.id)
    return response


@bp.route("/admin/uploads/<upload_id>", methods=["HEAD"])
@require(Role.PROVIDER)
def upload_offset(actor: Actor, upload_id: str) -> Response:
    """Where the upload stands."""
    try:
        upload = own(actor, upload_id)
    except RepositoryError as error:
        return _refused(error)
    response = _tus(Response(status=200), {"Upload-Offset": str(upload.offset),
                                           "Upload-Length": str(upload.length)})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/uploads/<upload_id>", methods=["PATCH"])
@require(Role.PROVIDER)
def upload_part(actor: Actor, upload_id: str) -> Response:
    """The next part of the upload; the last one starts its processing."""
    if request.mimetype != PART_TYPE:
        return _refused(InputError(f"a part is sent as {PART_TYPE}", field="Content-Type"),
                        415)
    try:
        own(actor, upload_id)
        upload = places().uploads.append(upload_id, _header_int("Upload-Offset"),
                                         _body())
    except OffsetMismatch as error:
        return _tus(_refused(error), {"Upload-Offset": str(error.expected)})
    except RepositoryError as error:
        return _refused(error)
    if upload.whole and upload.state == "receiving":
        _start_processing(upload)
    return _tus(Response(status=204), {"Upload-Offset": str(upload.offset)})


@bp.get("/admin/uploads/<upload_id>")
@require(Role.PROVIDER)
def upload(actor: Actor, upload_id: str) -> Response:
    """The upload's state as JSON (see the module documentation)."""
    try:
        found = own(actor, upload_id)
    except RepositoryError as error:
        return _refused(error)
    response = jsonify(described(found))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/admin/uploads/<upload_id>")
@require(Role.PROVIDER)
def abandon_upload(actor: Actor, upload_id: str) -> Response:
    """The upload abandoned (its bytes removed, a stored file it made left to the store)."""
    try:
        own(actor, upload_id)
    except RepositoryError as error:
        return _refused(error)
    places().uploads.discard(upload_id)
    return _tus(Response(status=204), {})


@bp.get("/admin/drafts")
@require(Role.PROVIDER)
def drafts(actor: Actor) -> Response:
    """Keywords and a description drafted from the text of the files of the dataset
    ``record`` (if any) and of the ready uploads ``uploaded`` (repeatable), for a dataset
    called ``title``: JSON ``{"keywords": [...], "description": "..."}``."""
    try:
        offered = offered_draft(actor, request.args.get("record", ""),
                                request.args.getlist("uploaded"),
                                request.args.get("title", "")[:500])
    except RepositoryError as error:
        return _refused(error)
    if offered is None:
        return jsonify(keywords=[], description="")
    return jsonify(keywords=list(offered.keywords), description=offered.description)


# -- processing -------------------------------------------------------------------------------

def _start_processing(upload: Upload) -> None:
    """The whole upload handed to the processing thread."""
    where = places()
    where.uploads.finish(upload, "processing", {})
    scanner = Scanner.of(_repository().config.files)
    processing().submit(process, where, upload, scanner)


def process(where: FilePlaces, upload: Upload, scanner: Scanner | None) -> Upload:
    """The upload stored, scanned, checked and counted: ``ready`` with the file's facts, or
    ``refused`` with the reason (never raises: what went wrong is the upload's state)."""
    try:
        added = take_in(where.store, where.uploads.chunks(upload.id), upload.name,
                        limit=where.uploads.limit, scanner=scanner, texts=where.texts)
    except FileRefused as error:
        return where.uploads.finish(upload, "refused", {"reason": error.code,
                                                        "detail": error.reason})
    except FileTooLarge as error:
        return where.uploads.finish(upload, "refused", {"reason": "too-large",
                                                        "detail": error.reason})
    except (RepositoryError, OSError) as error:
        return where.uploads.finish(upload, "refused", {"reason": "unscanned",
                                                        "detail": str(error)})
    except Exception as error:  # the thread's boundary: a fault must not leave it processing
        LOG.exception("the upload %s of %s failed", upload.id, upload.name)
        return where.uploads.finish(upload, "refused", {"reason": "unscanned",
                                                        "detail": repr(error)})
    return where.uploads.finish(upload, "ready", facts(added))


def received(actor: Actor, name: str, stream: BinaryIO) -> Upload:
    """A file sent whole with the form (a page without JavaScript), taken in at once as an
    upload of ``actor``'s: ready or refused. Raises InputError for a bad name, FileRefused
    when empty, FileTooLarge, OverQuota, StoreError."""
    length = stream.seek(0, io.SEEK_END)
    stream.seek(0)
    where = places()
    where.check_quota(actor.agency, length, name)
    begun = where.uploads.begin(name, length, account=actor.account,
                                agency=actor.agency or "")
    whole = where.uploads.append(begun.id, 0, iter(lambda: stream.read(CHUNK), b""))
    where.uploads.finish(whole, "processing", {})
    return process(where, whole, Scanner.of(_repository().config.files))


def kept(actor: Actor, files: list[tuple[Upload, AddedFile]]) -> None:
    """After a save added the uploads' files to a dataset: the agency holds them, and the
    uploads are done with. Raises StoreError."""
    where = places()
    where.hold(actor.agency, [added for _upload, added in files])
    for upload, _added in files:
        where.uploads.discard(upload.id)


def facts(added: AddedFile) -> dict:
    """What an upload keeps of its accepted file until the form adds it (JSON)."""
    return {"name": added.name, "sha256": added.stored.sha256, "size": added.stored.size,
            "new": added.stored.new, "kind": added.checked.kind,
            "media_type": added.checked.media_type, "encoding": added.checked.encoding,
            "characters": added.counts.characters, "tokens": added.counts.tokens,
            "plain": added.counts.plain,
            "table": None if added.table is None else {
                "columns": [[column.name, column.datatype] for column in added.table.columns],
                "array_key": added.table.array_key}}


def added_file(found: dict) -> AddedFile:
    """The accepted file of a ready upload's :func:`facts`."""
    return AddedFile(found["name"], Stored(found["sha256"], found["size"], found["new"]),
                     Checked(found["kind"], found["media_type"], found["encoding"]),
                     Counts(found["characters"], found["tokens"], found["plain"]),
                     _table(found.get("table")))


def _table(found: dict | None) -> Table | None:
    if found is None:
        return None
    return Table(tuple(Column(name, datatype) for name, datatype in found["columns"]),
                 found["array_key"])


def attached(actor: Actor, upload_ids: list[str]) -> list[tuple[Upload, AddedFile]]:
    """The ready uploads ``upload_ids`` of ``actor`` with their files (what a save of the
    form adds to the dataset). Raises NotFound for another's or an unknown upload,
    InputError for one that is not ready."""
    found = []
    for upload_id in dict.fromkeys(upload_ids):
        upload = own(actor, upload_id)
        if upload.state != "ready":
            raise InputError(f"the upload of {upload.name} is {upload.state}, not ready",
                             field="files")
        found.append((upload, added_file(upload.result)))
    return found


# -- drafting ---------------------------------------------------------------------------------

def offered_draft(actor: Actor, local_id: str, upload_ids: list[str],
                  title: str) -> Draft | None:
    """The draft offered for the dataset ``local_id`` (empty: a new one) with the ready
    uploads ``upload_ids``; None when their files have no text. Raises NotAllowed or NotFound
    for a dataset or upload the actor may not see, StoreError."""
    texts = tuple(text for text in (*_record_texts(actor, local_id),
                                    *_upload_texts(actor, upload_ids)) if text.strip())
    return drafted(texts, title) if texts else None


@lru_cache(maxsize=32)
def drafted(texts: tuple[str, ...], title: str) -> Draft:
    """The draft of ``texts`` (kept for the last few datasets: a page asks again after each
    upload and each reload)."""
    return draft(texts, title)


def _record_texts(actor: Actor, local_id: str) -> Iterator[str]:
    """The kept text of each uploaded file of the dataset ``local_id`` (which the actor may
    edit; nothing for a new dataset)."""
    if not local_id:
        return
    workflow().entry(actor, local_id)  # 403/404 for a dataset the actor may not see
    record = _repository().get(local_id)
    subject = _repository().ids.resource(local_id)
    for file in stored_files(record.graph, subject):
        yield text_of(places().texts, places().store, file.sha256, file.name)


def _upload_texts(actor: Actor, upload_ids: list[str]) -> Iterator[str]:
    for upload, added in attached(actor, upload_ids):
        yield text_of(places().texts, places().store, added.stored.sha256, upload.name)


# -- answers ----------------------------------------------------------------------------------

def described(upload: Upload) -> dict:
    """An upload as JSON: its facts, and a refusal's reason in the reader's language."""
    described = {"id": upload.id, "name": upload.name, "length": upload.length,
                 "offset": upload.offset, "state": upload.state}
    if upload.state == "ready":
        described["file"] = {key: upload.result[key] for key in
                             ("name", "sha256", "size", "kind", "encoding", "tokens",
                              "characters")}
    elif upload.state == "refused":
        described["refusal"] = refusal(upload.result.get("reason", ""),
                                       upload.result.get("detail", ""))
    return described


def refusal(reason: str, detail: str) -> dict:
    """A refused file's reason code, what it means in the reader's language, and the
    technical detail."""
    message = REFUSALS.get(reason)
    return {"reason": reason, "message": gettext(message) if message else detail,
            "detail": detail}


def refusal_of(error: RepositoryError) -> dict:
    """:func:`refusal` of an error raised while taking a file in."""
    if isinstance(error, FileRefused):
        return refusal(error.code, error.reason)
    if isinstance(error, OverQuota):
        return refusal("quota", error.reason)
    if isinstance(error, FileTooLarge):
        return refusal("too-large", error.reason)
    if isinstance(error, StoreError):
        return refusal("unscanned", str(error))
    return refusal("", getattr(error, "reason", str(error)))


def own(actor: Actor, upload_id: str) -> Upload:
    """The upload, when it is ``actor``'s. Raises NotFound otherwise."""
    found = places().uploads.get(upload_id)
    if found.account != actor.account:
        raise NotFound(f"no upload {upload_id!r}")
    return found


def _header_int(name: str) -> int:
    """A header holding a number of bytes. Raises InputError naming it."""
    text = request.headers.get(name, "")
    if not text.isdigit():
        raise InputError(f"expected a number of bytes, got {text!r}", field=name)
    return int(text)


def _metadata() -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``key base64(value)`` pairs. Raises InputError."""
    pairs = {}
    for item in filter(None, (part.strip() for part in
                              request.headers.get("Upload-Metadata", "").split(","))):
        key, _, value = item.partition(" ")
        try:
            pairs[key] = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise InputError(f"the value of {key!r} is not base64 of UTF-8 text",
                             field="Upload-Metadata") from error
    return pairs


def _body() -> Iterator[bytes]:
    stream = request.stream
    while chunk := stream.read(1 << 16):
        yield chunk


def _tus(response: Response, headers: dict[str, str]) -> Response:
    response.headers["Tus-Resumable"] = TUS_VERSION
    response.headers.update(headers)
    return response


def _refused(error: RepositoryError, status: int | None = None) -> Response:
    """An error as JSON: its message, field and, for a file, the refusal in the reader's
    language."""
    response = jsonify(error=str(error), field=getattr(error, "field", None),
                       refusal=refusal_of(error))
    response.status_code = status or error.status
    response.headers["Cache-Control"] = "no-store"
    return response


def _repository() -> Repository:
    return current_app.extensions["yuliao"]
