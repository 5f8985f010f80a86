"""Taking a file in: stored, checked, its text counted (what the web form and ``yuliao files
add`` both do).

The bytes are streamed into the store (the size limit held while they arrive), then checked
as a local file (:meth:`~.storage.FileStore.local`: where they lie on disk, a copy from an
object store); a refused file is removed again (the same bytes would be refused again, so no
accepted file shares its digest).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import StoreError
from .checks import FileRefused, check_file
from .distributions import AddedFile, file_name
from .fields import read_table
from .scan import Scanner
from .storage import CHUNK, MAX_FILE_BYTES, FileStore
from .text import counted, pieces
from .texts import Texts


def take_in(store: FileStore, chunks: Iterable[bytes], name: str, *,
            limit: int = MAX_FILE_BYTES, scanner: Scanner | None = None,
            texts: Texts | None = None) -> AddedFile:
    """The file ``chunks`` yields, called ``name``, stored, scanned for malware (when there
    is a ``scanner``), checked and counted (its text kept in ``texts``, when given). Raises
    InputError for a bad name, FileTooLarge, FileRefused (the file is not kept), StoreError
    (a scanner that could not scan it, or a store that could not lend a local copy, too: the
    file is not kept)."""
    name = file_name(name)
    stored = store.put(chunks, limit=limit, name=name)
    try:
        with store.local(stored.sha256) as path:
            if scanner is not None:
                scanner.scan(path, name)
            checked = check_file(path, name)
            table = read_table(path, checked)
            text = pieces(path, checked)
            counts = counted(texts.keeping(stored.sha256, text) if texts is not None else text)
    except (FileRefused, StoreError):
        if stored.new:  # the same bytes, accepted before, stay
            store.remove(stored.sha256)
        raise
    return AddedFile(name, stored, checked, counts, table)


def read_in_chunks(path: Path) -> Iterator[bytes]:
    """The bytes of the file at ``path``, :data:`CHUNK` at a time."""
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            yield chunk
