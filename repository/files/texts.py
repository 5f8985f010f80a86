"""The text of each accepted file, extracted once and kept (for drafting descriptions and
keywords, and for search): ``{root}/ab/{sha256}.txt.gz``, the pieces of
:func:`.text.pieces` one per line, gzip-compressed.

The text is derived from the file's bytes, so it is a cache: a text that is missing (a file
taken in before texts were kept, a machine that has not seen it yet) is extracted again from
the file store by :func:`text_of`. It is written through a temporary file and renamed, so a
crash leaves no partial text under a digest.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from ..errors import StoreError
from .checks import check_file
from .storage import FileStore
from .text import pieces

#: Characters of a file's text read back at most (drafting reads no more).
READ_CHARACTERS = 200_000


class Texts:
    """The kept texts under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def keeping(self, sha256: str, texts: Iterable[str]) -> Iterator[str]:
        """``texts`` passed on, and kept as the text of ``sha256`` once they are all read.
        Raises StoreError when the text cannot be written."""
        path = self.path(sha256)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".part")
        except OSError as error:
            raise StoreError(f"cannot keep the text of {sha256}: {error}") from error
        try:
            with os.fdopen(handle, "wb") as raw, gzip.open(raw, "wt", encoding="utf-8") as out:
                for text in texts:
                    out.write(" ".join(text.split()) + "\n")
                    yield text
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)

    def read(self, sha256: str, limit: int = READ_CHARACTERS) -> str | None:
        """The first ``limit`` characters of the kept text of ``sha256``; None when none is
        kept. Raises StoreError when it cannot be read."""
        try:
            with gzip.open(self.path(sha256), "rt", encoding="utf-8") as stream:
                return stream.read(limit)
        except FileNotFoundError:
            return None
        except (OSError, EOFError, UnicodeDecodeError) as error:
            raise StoreError(f"cannot read the kept text of {sha256}: {error}") from error

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}.txt.gz"


def text_of(texts: Texts, store: FileStore, sha256: str, name: str = "") -> str:
    """The text of the stored file ``sha256``: the kept one, else extracted from the store
    (and kept). Raises NotFound when the store has no such file, StoreError, FileRefused
    when the bytes are no longer accepted as text."""
    kept = texts.read(sha256)
    if kept is not None:
        return kept
    with store.local(sha256) as path:
        checked = check_file(path, name)
        for _ in texts.keeping(sha256, pieces(path, checked)):
            pass
    return texts.read(sha256) or ""
