"""Read-only copies of the public area for other processes: how they read an embedded store.

An embedded Oxigraph store is opened read-write by one process only, and RocksDB leaves
reading it from a second process while the first writes undefined. The process that holds the
store (``yuliao serve``'s owner, or an application made by ``create_app`` in-process) therefore
takes **snapshots**: RocksDB checkpoints of the public area under ``{home}/snapshots/``, made of
hard links to the store's immutable table files (a few milliseconds, and a flush of what is
still in memory). A snapshot never changes once made, so any number of processes open it
read-only: the SPARQL query processes (:mod:`repository.querypool`) and the web workers of
``yuliao serve`` (:class:`repository.reader.PublicReader`).

``{home}/snapshots/CURRENT`` names the newest snapshot (replaced atomically); readers compare
it with the one they have open. The owner takes a new snapshot when its public area changed
(:meth:`Snapshots.refresh`), keeps the newest :data:`KEEP` and removes older ones.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path
from typing import Protocol

from .errors import StoreError

#: Snapshots kept on disk: a reader may still be answering from one of the older ones.
KEEP = 4
CURRENT = "CURRENT"
NAME = re.compile(r"public-(\d{8})")


class Copyable(Protocol):
    """A store that can be copied (:meth:`repository.store.Store.backup`) and counts its
    writes."""

    generation: int

    def backup(self, target: Path) -> None: ...


class Snapshots:
    """The snapshots of one home's public area, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._lock = threading.Lock()
        self._taken: tuple[int, Path] | None = None  # (store generation, snapshot)

    def current(self) -> Path | None:
        """The newest snapshot, as CURRENT names it; None before the first. Raises StoreError
        when CURRENT cannot be read or names a snapshot that is not there."""
        try:
            name = (self.folder / CURRENT).read_text(encoding="ascii").strip()
        except FileNotFoundError:
            return None
        except OSError as error:
            raise StoreError(f"cannot read {self.folder / CURRENT}: {error}") from error
        path = self.folder / name
        if not NAME.fullmatch(name) or not path.is_dir():
            raise StoreError(f"{self.folder / CURRENT} names {name!r}, which is not a snapshot")
        return path

    def refresh(self, store: Copyable) -> Path:
        """The snapshot of ``store`` as it is now: the last one taken when the store has not
        been written since, else a new one (made current, older ones pruned). Threads asking at
        once share one snapshot. Raises StoreError when it cannot be made."""
        with self._lock:
            if self._taken is not None and self._taken[0] == store.generation:
                return self._taken[1]
            generation = store.generation
            path = self._take(store)
            self._taken = (generation, path)
            self._prune()
            return path

    def _take(self, store: Copyable) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"public-{self._next_number():08d}"
        shutil.rmtree(path, ignore_errors=True)  # a half-made copy left by a crash
        store.backup(path)
        _replace_text(self.folder / CURRENT, path.name)
        return path

    def _next_number(self) -> int:
        numbers = [int(m.group(1)) for m in map(NAME.fullmatch, self._names()) if m]
        return max(numbers, default=0) + 1

    def _names(self) -> list[str]:
        try:
            return sorted(entry.name for entry in os.scandir(self.folder) if entry.is_dir())
        except FileNotFoundError:
            return []

    def _prune(self) -> None:
        """Remove all but the newest KEEP snapshots (a failure is left for the next time)."""
        names = [name for name in self._names() if NAME.fullmatch(name)]
        for name in names[:-KEEP]:
            shutil.rmtree(self.folder / name, ignore_errors=True)


def _replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (a reader sees the old or the new content).
    Raises StoreError."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        partial.write_text(text, encoding="ascii")
        os.replace(partial, path)
    except OSError as error:
        raise StoreError(f"cannot write {path}: {error}") from error
