"""What the repository's SQLite indexes share: one file in WAL mode (or one in-memory database
behind a single connection), one writer connection used under a lock, one reader connection
per thread, and sqlite3 errors raised as StoreError naming the index.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import StoreError


class SqliteIndex:
    """An index at ``path`` (in memory when None), called ``name`` in error messages
    ("the OAI index"). Raises StoreError when it cannot be opened."""

    def __init__(self, path: Path | None, name: str) -> None:
        self.path, self.name = path, name
        self._lock = threading.Lock()
        self._local = threading.local()
        self._writer = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            connection = sqlite3.connect(str(self.path) if self.path else ":memory:",
                                         isolation_level=None, check_same_thread=False)
            if self.path:
                connection.execute("PRAGMA journal_mode = WAL")
                connection.execute("PRAGMA synchronous = NORMAL")
            return connection
        except sqlite3.Error as error:
            raise StoreError(f"cannot open {self.name} {self.path}: {error}") from error

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """A connection for reads: the thread's own (file), or the shared one under the lock."""
        try:
            if self.path is None:
                with self._lock:
                    yield self._writer
                return
            connection = getattr(self._local, "connection", None)
            if connection is None:
                connection = self._local.connection = self._connect()
            yield connection
        except sqlite3.Error as error:
            raise StoreError(f"{self.name} failed: {error}") from error

    @contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        """The writer connection inside one transaction, under the lock."""
        with self._lock:
            try:
                self._writer.execute("BEGIN IMMEDIATE")
                try:
                    yield self._writer
                except BaseException:
                    self._writer.execute("ROLLBACK")
                    raise
                self._writer.execute("COMMIT")
                self._committed()
            except sqlite3.Error as error:
                raise StoreError(f"cannot update {self.name}: {error}") from error

    def _committed(self) -> None:
        """Called under the lock after each transaction this object committed."""

    def close(self) -> None:
        """Closes the writer and this thread's reader; other threads' readers close with them.
        The writer is closed under the lock, so that a thread using it (an in-memory index's
        readers) finishes first and the next use fails with StoreError."""
        reader = getattr(self._local, "connection", None)
        if reader is not None:
            reader.close()
        with self._lock:
            self._writer.close()
