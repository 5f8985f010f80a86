"""Content-addressed file storage: a file is stored once under the SHA-256 of its bytes.

:class:`FileStore` is the whole interface (put a stream, open, ask, remove, and lend the
bytes as a local file for as long as a check needs them), so that an S3-compatible object
store (:class:`.objectstore.S3Store`) can replace :class:`DiskStore` when the repository runs
on several machines; :func:`file_store` makes the one ``[files] store`` names.

:class:`DiskStore` keeps ``{root}/sha256/ab/cd/abcd…`` and writes through a temporary file in
``{root}/incoming``, renamed into place once whole: a crash leaves no half-written file under
a digest, and a file is never held in memory (it is read and hashed :data:`CHUNK` bytes at a
time). The size limit is enforced while the bytes arrive: the 501st megabyte of a 500 MB
limit is never written.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol

from ..errors import InputError, NotFound, StoreError

if TYPE_CHECKING:
    from ..config import Config

#: Seed 001: "若單一檔案大小超過 500MB，請先分割".
MAX_FILE_BYTES = 500 * 1024 * 1024  # as shapes/dataset.ttl reads "500MB": 524,288,000 bytes
#: Bytes read, hashed and written at a time.
CHUNK = 1 << 20
_DIGEST = re.compile(r"[0-9a-f]{64}")


class FileTooLarge(InputError):
    """The file went over the size limit while it was being received (413)."""

    status = 413


@dataclass(frozen=True)
class Stored:
    """A stored file: the SHA-256 of its bytes (hex) and its size in bytes."""

    sha256: str
    size: int
    #: whether these bytes were not in the store before (a caller undoing its change removes
    #: only what it added)
    new: bool = field(default=True, compare=False)


class FileStore(Protocol):
    """Where files are kept, by the SHA-256 of their bytes."""

    def put(self, chunks: Iterable[bytes], *, limit: int = MAX_FILE_BYTES,
            name: str = "") -> Stored:
        """Store the bytes ``chunks`` yields. Raises FileTooLarge, StoreError."""
        ...

    def open(self, sha256: str) -> BinaryIO:
        """The stored bytes as a readable, seekable stream. Raises NotFound, StoreError."""
        ...

    def exists(self, sha256: str) -> bool:
        """Whether the bytes are stored. Raises StoreError."""
        ...

    def remove(self, sha256: str) -> None:
        """The stored bytes removed (nothing when there are none). Raises StoreError."""
        ...

    def local(self, sha256: str) -> AbstractContextManager[Path]:
        """The stored bytes as a local file while the context lasts (never to be changed).
        Raises NotFound, StoreError."""
        ...


def file_store(config: Config) -> FileStore:
    """The file store of the home ``config`` describes: ``{home}/files`` on disk, or the
    bucket of ``[files] store = "s3"`` (with ``{home}/files/scratch`` for the local copies
    that checks read). Raises InputError naming ``files.store`` when boto3, which the object
    store needs, is not installed."""
    settings = config.files.s3
    if settings is None:
        return DiskStore(config.files_dir)
    try:
        from .objectstore import S3Store
    except ImportError as error:
        raise InputError("store = \"s3\" needs boto3: install Yuliao with its s3 extra "
                         "(pip install 'yuliao[s3]')", field="files.store") from error
    return S3Store.of(settings, scratch=config.files_dir / "scratch")


def layout(sha256: str) -> str:
    """Where the bytes of ``sha256`` are kept under a store's root: ``sha256/ab/cd/abcd…``.
    Raises InputError for anything but 64 lowercase hex digits (a digest from a URL must not
    name another path)."""
    if not _DIGEST.fullmatch(sha256):
        raise InputError(f"expected a SHA-256 as 64 lowercase hex digits, got {sha256!r}",
                         field="sha256")
    return f"sha256/{sha256[:2]}/{sha256[2:4]}/{sha256}"


def too_large(limit: int, name: str) -> FileTooLarge:
    """The error of a file ``name`` that passed ``limit`` bytes."""
    return FileTooLarge(f"the file is over {limit:,} bytes; split it into parts of at most "
                        "that size", origin=name or None, field="file")


class DiskStore:
    """Files in a directory of the home (see the module documentation)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, chunks: Iterable[bytes], *, limit: int = MAX_FILE_BYTES,
            name: str = "") -> Stored:
        """Store the bytes ``chunks`` yields; what was stored. Raises FileTooLarge naming
        ``name`` as soon as they pass ``limit`` bytes (nothing is kept), StoreError when the
        disk fails."""
        incoming = self._incoming()
        digest, size, partial = hashlib.sha256(), 0, None
        try:
            with tempfile.NamedTemporaryFile(dir=incoming, delete=False) as out:
                partial = Path(out.name)
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise too_large(limit, name)
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            target = self.path(digest.hexdigest())
            stored = Stored(digest.hexdigest(), size, new=not target.exists())
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(partial, target)
            return stored
        except OSError as error:
            raise StoreError(f"cannot store {name or 'the file'}: {error}") from error
        finally:
            if partial is not None and partial.exists():
                partial.unlink()

    def open(self, sha256: str) -> BinaryIO:
        """The stored file for reading. Raises NotFound when there is none."""
        try:
            return self.path(sha256).open("rb")
        except FileNotFoundError as error:
            raise NotFound(f"no stored file has the SHA-256 {sha256}") from error

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def remove(self, sha256: str) -> None:
        """The stored file removed (nothing when there is none)."""
        self.path(sha256).unlink(missing_ok=True)

    @contextmanager
    def local(self, sha256: str) -> Iterator[Path]:
        """The stored file itself (it is local already). Raises NotFound when there is
        none."""
        path = self.path(sha256)
        if not path.is_file():
            raise NotFound(f"no stored file has the SHA-256 {sha256}")
        yield path

    def path(self, sha256: str) -> Path:
        """Where the file of ``sha256`` is kept. Raises InputError for anything but 64 hex
        digits (see :func:`layout`)."""
        return self.root / layout(sha256)

    def _incoming(self) -> Path:
        incoming = self.root / "incoming"
        try:
            incoming.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"cannot make {incoming}: {error}") from error
        return incoming
