"""Files in an S3-compatible object store (``[files] store = "s3"``, see docs/deployment.md):
the content addressing of :class:`~.storage.DiskStore`, as keys ``{prefix}sha256/ab/cd/abcd…``
of one bucket, for a repository that runs on several machines.

:meth:`S3Store.put` streams: the bytes go up as the parts of a multipart upload to
``{prefix}incoming/{uuid}`` (:data:`PART` bytes a part, at most one part held in memory),
hashed and counted as they pass, the size limit held while they arrive (passing it aborts the
upload), then are copied within the store to the key of their digest and the temporary key is
deleted. A file smaller than one part goes up in one request, straight to its key. Reads are
ranged GETs made when the bytes are first read, so a download's ``Range`` fetches only from
where it starts; :meth:`S3Store.local` copies an object into a scratch folder for the checks,
which read local files.

Every request has a connect and a read timeout and a bounded number of retries, and every
botocore error leaves as StoreError naming the bucket and key (NotFound for a missing object).
Credentials come from boto3's own chain (the environment's ``AWS_ACCESS_KEY_ID`` and
``AWS_SECRET_ACCESS_KEY``, a profile, an instance role), never from yuliao.toml.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import boto3
from botocore.config import Config as ClientConfig
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import NotFound, RepositoryError, StoreError
from .storage import CHUNK, MAX_FILE_BYTES, Stored, layout, too_large

if TYPE_CHECKING:
    from ..config import ObjectStoreSettings

#: S3's smallest part: every part of a multipart upload but the last has at least this many
#: bytes.
MIN_PART = 5 * 1024 * 1024
#: Bytes in each part of an upload (S3 allows 10,000 parts: files of up to 80 GB).
PART = 8 * 1024 * 1024
#: What botocore raises: failures of the request itself, and errors the store answered.
FAILURES = (BotoCoreError, ClientError)
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


def client(settings: ObjectStoreSettings) -> Any:
    """An S3 client for ``settings``: their timeouts and retries on every request, path-style
    addresses for a store of its own URL (MinIO, Ceph and most S3-compatible stores need
    them). Raises StoreError when boto3 cannot make one (an unknown region, say)."""
    options: dict[str, Any] = {
        "connect_timeout": settings.connect_timeout, "read_timeout": settings.read_timeout,
        "retries": {"mode": "standard", "total_max_attempts": settings.retries + 1}}
    if settings.endpoint_url:
        options["s3"] = {"addressing_style": "path"}
    try:
        return boto3.session.Session().client(
            "s3", endpoint_url=settings.endpoint_url, region_name=settings.region,
            config=ClientConfig(**options))
    except FAILURES as error:
        raise StoreError(f"cannot reach the object store "
                         f"{settings.endpoint_url or 'S3'}: {error}") from error


class S3Store:
    """Files in a bucket of an S3-compatible object store (see the module documentation);
    local copies for the checks in ``scratch``. Raises ValueError for parts under
    :data:`MIN_PART` bytes."""

    def __init__(self, client: Any, bucket: str, *, scratch: Path, prefix: str = "",
                 part_size: int = PART) -> None:
        if part_size < MIN_PART:
            raise ValueError(f"parts are at least {MIN_PART:,} bytes, not {part_size:,}")
        self.client, self.bucket, self.prefix = client, bucket, prefix
        self.scratch, self.part_size = scratch, part_size

    @classmethod
    def of(cls, settings: ObjectStoreSettings, *, scratch: Path) -> S3Store:
        """The store ``settings`` describe. Raises StoreError as :func:`client` does."""
        return cls(client(settings), settings.bucket, prefix=settings.prefix, scratch=scratch)

    def key(self, sha256: str) -> str:
        """The key of the bytes of ``sha256``. Raises InputError for anything but a digest."""
        return f"{self.prefix}{layout(sha256)}"

    def put(self, chunks: Iterable[bytes], *, limit: int = MAX_FILE_BYTES,
            name: str = "") -> Stored:
        """Store the bytes ``chunks`` yields; what was stored. Raises FileTooLarge naming
        ``name`` as soon as they pass ``limit`` bytes (nothing is kept: the upload is
        aborted), StoreError when the store fails."""
        digest = hashlib.sha256()
        parts = self._parts(chunks, digest, limit, name)
        first = next(parts)
        if len(first) < self.part_size:  # the only part: every byte has been read
            return self._put_whole(digest.hexdigest(), first)
        incoming = f"{self.prefix}incoming/{uuid.uuid4().hex}"
        size = self._upload(incoming, itertools.chain([first], parts))
        try:
            return self._settle(incoming, Stored(digest.hexdigest(), size))
        finally:
            self._quietly("delete_object", incoming)

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes, readable and seekable (fetched as they are read). Raises NotFound
        when there are none, StoreError when the store fails (on reading too)."""
        key = self.key(sha256)
        size = self._call("head_object", key)["ContentLength"]

        def fetch(start: int) -> Any:
            return self._call("get_object", key, Range=f"bytes={start}-{size - 1}")["Body"]

        return cast(BinaryIO, io.BufferedReader(_ObjectReader(fetch, self._where(key), size),
                                                CHUNK))

    def exists(self, sha256: str) -> bool:
        """Whether the bytes of ``sha256`` are stored. Raises StoreError."""
        try:
            self._call("head_object", self.key(sha256))
        except NotFound:
            return False
        return True

    def remove(self, sha256: str) -> None:
        """The stored bytes removed (nothing when there are none). Raises StoreError."""
        self._call("delete_object", self.key(sha256))

    @contextlib.contextmanager
    def local(self, sha256: str) -> Iterator[Path]:
        """A copy of the stored bytes in the scratch folder, removed when the context ends.
        Raises NotFound when there are none, StoreError when they cannot be copied or are not
        the bytes of ``sha256``."""
        path = self._copied(sha256)
        try:
            yield path
        finally:
            path.unlink(missing_ok=True)

    def _parts(self, chunks: Iterable[bytes], digest: Any, limit: int,
               name: str) -> Iterator[bytearray]:
        """``chunks`` in parts of exactly ``part_size`` bytes, then the rest (perhaps empty),
        hashed into ``digest`` as they pass. Raises FileTooLarge past ``limit`` bytes."""
        part, size = bytearray(), 0
        for chunk in chunks:
            size += len(chunk)
            if size > limit:
                raise too_large(limit, name)
            digest.update(chunk)
            view = memoryview(chunk)
            while len(part) + len(view) >= self.part_size:
                room = self.part_size - len(part)
                part += view[:room]
                view = view[room:]
                yield part
                part = bytearray()
            part += view
        yield part

    def _put_whole(self, sha256: str, data: bytearray) -> Stored:
        key = self.key(sha256)
        if self._object_exists(key):
            return Stored(sha256, len(data), new=False)
        self._call("put_object", key, Body=bytes(data))
        return Stored(sha256, len(data))

    def _upload(self, key: str, parts: Iterable[bytearray]) -> int:
        """``parts`` (the first not empty) sent as one multipart upload to ``key``; how many
        bytes. Raises what reading ``parts`` raises, and StoreError; the upload is aborted
        either way."""
        upload = self._call("create_multipart_upload", key)["UploadId"]
        sent, size = [], 0
        try:
            for number, part in enumerate(parts, 1):
                if not part:  # the bytes filled the parts before it exactly
                    break
                answer = self._call("upload_part", key, UploadId=upload, PartNumber=number,
                                    Body=part)
                sent.append({"ETag": answer["ETag"], "PartNumber": number})
                size += len(part)
            self._call("complete_multipart_upload", key, UploadId=upload,
                       MultipartUpload={"Parts": sent})
        except BaseException:
            self._quietly("abort_multipart_upload", key, UploadId=upload)
            raise
        return size

    def _settle(self, incoming: str, stored: Stored) -> Stored:
        """The uploaded object ``incoming`` copied to the key of its digest (unless the same
        bytes are there already). Raises StoreError."""
        key = self.key(stored.sha256)
        if self._object_exists(key):
            return Stored(stored.sha256, stored.size, new=False)
        self._call("copy_object", key, CopySource={"Bucket": self.bucket, "Key": incoming})
        return stored

    def _copied(self, sha256: str) -> Path:
        """The stored bytes of ``sha256`` copied to a new file in the scratch folder, checked
        against their digest. Raises NotFound, StoreError (no copy is left then)."""
        with self.open(sha256) as stream:
            try:
                self.scratch.mkdir(parents=True, exist_ok=True)
                handle, name = tempfile.mkstemp(dir=self.scratch)
            except OSError as error:
                raise StoreError(f"cannot make a file in {self.scratch}: {error}") from error
            path = Path(name)
            try:
                with open(handle, "wb") as out:
                    found = _copy(stream, out)
                if found != sha256:
                    raise StoreError(f"{self._where(self.key(sha256))} does not hold the bytes "
                                     f"of its digest (they hash to {found})")
            except BaseException as error:
                path.unlink(missing_ok=True)
                if isinstance(error, OSError):
                    raise StoreError(f"cannot write {path}: {error}") from error
                raise
        return path

    def _object_exists(self, key: str) -> bool:
        try:
            self._call("head_object", key)
        except NotFound:
            return False
        return True

    def _call(self, operation: str, key: str, **arguments: Any) -> dict[str, Any]:
        """The answer to the client's ``operation`` on ``key``. Raises NotFound when there is
        no such object, StoreError for any other failure."""
        try:
            return getattr(self.client, operation)(Bucket=self.bucket, Key=key, **arguments)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code in _MISSING:
                raise NotFound(f"no stored file at {self._where(key)}") from error
            raise StoreError(f"{operation} of {self._where(key)} failed: {error}") from error
        except BotoCoreError as error:
            raise StoreError(f"{operation} of {self._where(key)} failed: {error}") from error

    def _quietly(self, operation: str, key: str, **arguments: Any) -> None:
        """A clean-up whose failure must not hide what happened before it (what it leaves
        under ``incoming/`` the bucket's lifecycle rule removes: docs/deployment.md)."""
        with contextlib.suppress(RepositoryError):
            self._call(operation, key, **arguments)

    def _where(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


def _copy(stream: BinaryIO, out: BinaryIO) -> str:
    """``stream`` written to ``out``; the SHA-256 of what was written (hex)."""
    digest = hashlib.sha256()
    while chunk := stream.read(CHUNK):
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest()


class _ObjectReader(io.RawIOBase):
    """The ``size`` bytes of one object, fetched from where reading starts (``fetch(start)``
    gives the body of a ranged GET); a seek drops the GET in progress."""

    def __init__(self, fetch: Callable[[int], Any], where: str, size: int) -> None:
        super().__init__()
        self._fetch, self._where, self.size = fetch, where, size
        self._position, self._body = 0, None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        if base + offset < 0:
            raise ValueError(f"cannot seek to {base + offset}")
        if base + offset != self._position:
            self._drop()
            self._position = base + offset
        return self._position

    def readinto(self, buffer: Any) -> int:
        """Bytes into ``buffer``; how many (0 at the end). Raises StoreError when the store
        fails or the object ends early."""
        if self._position >= self.size:
            return 0
        if self._body is None:
            self._body = self._fetch(self._position)
        try:
            data = self._body.read(len(buffer))
        except FAILURES as error:
            raise StoreError(f"reading {self._where} failed: {error}") from error
        if not data:
            raise StoreError(f"{self._where} ended at byte {self._position:,} of {self.size:,}")
        buffer[:len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._drop()
        super().close()

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
