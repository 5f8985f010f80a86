"""Taking a file in: stored, checked, its text counted (what the web form and ``yuliao files
add`` both do).

The bytes are streamed into the store (the size limit held while they arrive), then checked
as a local file (:meth:`~.storage.FileStore.local`: where they lie on disk, a copy from an
object store); a refused file is removed again (the same bytes would be refused again, so no
accepted file shares its digest).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import StoreError
from .checks import FileRefused, check_file, decoded
from .distributions import AddedFile, file_name
from .scan import Scanner
from .storage import CHUNK, MAX_FILE_BYTES, FileStore
from .text import counted, pieces


def take_in(store: FileStore, chunks: Iterable[bytes], name: str, *,
            limit: int = MAX_FILE_BYTES, scanner: Scanner | None = None) -> AddedFile:
    """The file ``chunks`` yields, called ``name``, stored, scanned for malware (when there
    is a ``scanner``), checked and counted. Raises InputError for a bad name, FileTooLarge,
    FileRefused (the file is not kept), StoreError (a scanner that could not scan it, or a store
    that could not lend a local copy, too: the file is not kept)."""
    name = file_name(name)
    stored = store.put(chunks, limit=limit, name=name)
    try:
        with store.local(stored.sha256) as path:
            if scanner is not None:
                scanner.scan(path, name)
            checked = check_file(path, name)
            columns = csv_header(path, checked.encoding) if checked.kind == "csv" else ()
            counts = counted(pieces(path, checked))
    except (FileRefused, StoreError):
        if stored.new:  # the same bytes, accepted before, stay
            store.remove(stored.sha256)
        raise
    return AddedFile(name, stored, checked, counts, columns)


def csv_header(path: Path, encoding: str | None) -> tuple[str, ...]:
    """The first row of an accepted CSV file (its column names)."""
    first = ""
    for part in decoded(path, encoding or "utf-8"):
        first += part
        if "\n" in first or len(first) > CHUNK:
            break
    row = next(csv.reader(io.StringIO(first.lstrip("\ufeff").split("\n", 1)[0])), [])
    return tuple(cell.strip() for cell in row)


def read_in_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of the file at ``path``, :data:`CHUNK` at a time."""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk
