"""Resumable uploads: a file sent in parts, each at the offset where the last one ended, so
that a broken connection costs only the part it cut (the web form's way of sending a file of
up to 500 MB; the protocol is tus 1.0's core, see endpoints/admin/uploads.py).

An upload lives in ``{root}/{id}/``: ``upload.json`` (the file name, declared length, account
and agency, its state) and ``data`` (the bytes received so far; its size is the
offset). Parts are appended under an exclusive lock on ``data``, so two requests for one
upload cannot interleave their bytes (the second is refused as :class:`UploadBusy`). An
upload goes ``receiving`` → ``processing`` (whole: being stored, checked and counted) →
``ready`` (its file in the file store, waiting to be added to a record) or ``refused`` (with
the reason); the bytes received are let go once it is ready or refused, and the upload itself
once its file is added (:meth:`Uploads.discard`). :meth:`Uploads.expire` removes uploads left
alone for :data:`KEPT_SECONDS`.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from ..errors import ConflictError, NotFound, StoreError
from .checks import FileRefused
from .distributions import file_name
from .storage import CHUNK, MAX_FILE_BYTES, FileTooLarge

#: Seconds an upload nobody touches is kept (then removed with its bytes).
KEPT_SECONDS = 24 * 3600
STATES = ("receiving", "processing", "ready", "refused")


class OffsetMismatch(ConflictError):
    """A part sent for an offset that is not where the upload stands (409)."""

    def __init__(self, expected: int, got: int) -> None:
        self.expected = expected
        super().__init__(f"the upload stands at byte {expected:,}, not {got:,}: send from "
                         f"byte {expected:,}")


class UploadBusy(ConflictError):
    """Another request is appending to the same upload (423 in the protocol)."""

    status = 423


@dataclass(frozen=True)
class Upload:
    """An upload: who sends which file, how long it is, where it stands."""

    id: str
    name: str
    length: int
    account: str
    agency: str
    offset: int = 0
    state: str = "receiving"
    #: what became of it: the file's facts when done, the reason and message when refused
    result: dict = field(default_factory=dict)
    touched: float = 0.0

    @property
    def whole(self) -> bool:
        return self.offset == self.length


class Uploads:
    """The uploads under ``root`` (see the module documentation)."""

    def __init__(self, root: Path, limit: int = MAX_FILE_BYTES) -> None:
        self.root, self.limit = root, limit

    def begin(self, name: str, length: int, *, account: str,
              agency: str) -> Upload:
        """A new upload of ``length`` bytes. Raises InputError for a bad name, FileRefused
        for an empty file, FileTooLarge over the limit, StoreError when the disk fails."""
        name = file_name(name)
        if length <= 0:
            raise FileRefused("empty", "the file is empty", origin=name)
        if length > self.limit:
            raise FileTooLarge(f"the file is {length:,} bytes, over the limit of "
                               f"{self.limit:,}; split it into parts of at most that size",
                               origin=name, field="file")
        upload = Upload(secrets.token_urlsafe(18), name, length, account, agency,
                        touched=time.time())
        try:
            self._folder(upload.id).mkdir(parents=True)
            self._data(upload.id).touch()
        except OSError as error:
            raise StoreError(f"cannot begin the upload of {name}: {error}") from error
        self._write(upload)
        return upload

    def get(self, upload_id: str) -> Upload:
        """The upload ``upload_id`` as it stands. Raises NotFound."""
        try:
            upload = Upload(**json.loads(self._meta(upload_id).read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise NotFound(f"no upload {upload_id!r} (finished long ago, or never begun)") \
                from error
        try:
            offset = self._data(upload_id).stat().st_size
        except FileNotFoundError:  # its bytes were let go: it was whole
            offset = upload.length
        return replace(upload, offset=offset)

    def append(self, upload_id: str, offset: int, chunks: Iterable[bytes]) -> Upload:
        """The bytes ``chunks`` yields written at ``offset``; the upload after them. Raises
        NotFound, OffsetMismatch, UploadBusy, ConflictError when the upload is no longer
        receiving, FileTooLarge past its declared length (the part is not kept)."""
        upload = self.get(upload_id)
        if upload.state != "receiving":
            raise ConflictError(f"the upload of {upload.name} is {upload.state}, not receiving")
        with self._locked(upload_id) as out:
            start = out.seek(0, os.SEEK_END)
            if start != offset:
                raise OffsetMismatch(start, offset)
            self._write_part(out, upload, chunks)
        touched = replace(upload, touched=time.time())
        self._write(touched)
        return self.get(upload_id)

    def finish(self, upload: Upload, state: str, result: dict) -> Upload:
        """The upload marked ``state`` with ``result`` (and its bytes let go once it is ready
        or refused: they are in the file store, or not wanted). Raises StoreError."""
        upload = replace(upload, state=state, result=result, touched=time.time())
        self._write(upload)
        if state in ("ready", "refused"):
            self._data(upload.id).unlink(missing_ok=True)
        return upload

    def chunks(self, upload_id: str) -> Iterator[bytes]:
        """The received bytes, :data:`CHUNK` at a time."""
        with self._data(upload_id).open("rb") as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    def discard(self, upload_id: str) -> None:
        """The upload and its bytes removed (nothing when there is none)."""
        shutil.rmtree(self._folder(upload_id), ignore_errors=True)

    def pending(self, agency: str) -> int:
        """Bytes promised by the agency's uploads not yet added to a record nor refused
        (counted against its quota until then)."""
        total = 0
        for upload in self._all():
            if upload.agency == agency and upload.state != "refused":
                total += upload.length
        return total

    def processing(self) -> list[Upload]:
        """The uploads whole and handed over, not yet ready nor refused."""
        return [upload for upload in self._all() if upload.state == "processing"]

    def expire(self, now: float | None = None) -> int:
        """Uploads untouched for :data:`KEPT_SECONDS` removed; how many."""
        now = time.time() if now is None else now
        old = [upload for upload in self._all() if now - upload.touched > KEPT_SECONDS]
        for upload in old:
            self.discard(upload.id)
        return len(old)

    def _all(self) -> Iterator[Upload]:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            try:
                yield self.get(folder.name)
            except NotFound:
                continue

    def _write_part(self, out, upload: Upload, chunks: Iterable[bytes]) -> None:
        start = out.tell()
        size = start
        try:
            for chunk in chunks:
                size += len(chunk)
                if size > upload.length:
                    raise FileTooLarge(f"more bytes than the {upload.length:,} the upload "
                                       "declared", origin=upload.name, field="file")
                out.write(chunk)
            out.flush()
        except (FileTooLarge, OSError) as error:
            out.truncate(start)
            if isinstance(error, OSError):
                raise StoreError(f"cannot keep the part of {upload.name}: {error}") from error
            raise

    @contextmanager
    def _locked(self, upload_id: str) -> Iterator:
        try:
            out = self._data(upload_id).open("r+b")
        except OSError as error:
            raise NotFound(f"no upload {upload_id!r}") from error
        with out:
            try:
                fcntl.flock(out, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as error:
                raise UploadBusy(f"another request is sending upload {upload_id!r}") from error
            yield out

    def _write(self, upload: Upload) -> None:
        data = {key: value for key, value in asdict(upload).items() if key != "offset"}
        meta, partial = self._meta(upload.id), self._folder(upload.id) / "upload.json.new"
        try:
            partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, meta)
        except OSError as error:
            raise StoreError(f"cannot record the upload of {upload.name}: {error}") from error

    def _folder(self, upload_id: str) -> Path:
        if not upload_id or not all(c.isalnum() or c in "-_" for c in upload_id):
            raise NotFound(f"no upload {upload_id!r}")
        return self.root / upload_id

    def _meta(self, upload_id: str) -> Path:
        return self._folder(upload_id) / "upload.json"

    def _data(self, upload_id: str) -> Path:
        return self._folder(upload_id) / "data"
