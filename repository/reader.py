"""The public face of a home, opened by a process that does not hold its store.

``yuliao serve`` runs its web workers as separate processes so that requests use every core;
an embedded Oxigraph store can only be opened by one process, the **owner**, which holds it
read-write. Each web worker opens a :class:`PublicReader` instead: the newest snapshot of the
public area (:mod:`repository.snapshots`) read-only, the dissemination index and the text index
(files that any number of processes read while one writes), and the token key. It answers the
same reads as :class:`repository.core.Repository` does for the public faces (``public``,
``ids``, ``config``, ``disseminations``, ``text_index``, ``token_key``, ``get``,
``public_snapshot``) and has no work area, so it can neither write nor see working data.

When the owner takes a new snapshot, readers switch to it on their next request
(:attr:`PublicReader.public` looks at ``CURRENT``, a file read at most every
:data:`RECHECK_S` seconds).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

from .config import Config
from .disseminations import Disseminations
from .errors import Gone, NotFound, StoreError
from .records import Identifiers, Record, check_local_id, is_tombstone, split_record_graph
from .signing_key import signing_key
from .snapshots import Snapshots
from .store import Store
from .textindex import TextIndex

#: Seconds between two looks at which snapshot is current.
RECHECK_S = 0.5


def read_record(store: Store, ids: Identifiers, local_id: str) -> Record:
    """The record ``local_id`` as ``store`` holds it. Raises InputError for a malformed id,
    NotFound when there is no such record and Gone when only a tombstone remains."""
    check_local_id(local_id)
    stored = store.graph(ids.graph(local_id))
    if not len(stored):
        raise NotFound(f"no record {local_id}")
    if is_tombstone(stored, local_id, ids):
        raise Gone(f"record {local_id} was withdrawn")
    return split_record_graph(local_id, stored, ids)


class PublicReader:
    """The public area and indexes of the home of ``config``, read-only.

    Raises StoreError when the home has no snapshot yet (its owner takes one when it starts)
    or it cannot be opened.
    """

    def __init__(self, config: Config) -> None:
        self.config = config
        self.ids = Identifiers(config.base_uri, config.oai_repository_id)
        self.snapshots = Snapshots(config.snapshot_dir)
        self._lock = threading.Lock()
        self._open: tuple[Path, Store] = self._open_current()
        self._checked = time.monotonic()
        self.disseminations = Disseminations(config.oai_index_path)
        self.text_index = TextIndex(config.text_index_path)
        self._key: bytes | None = None

    def _open_current(self) -> tuple[Path, Store]:
        current = self.snapshots.current()
        if current is None:
            raise StoreError(f"{self.config.home} has no snapshot of its public area yet; the "
                             "process that holds the store takes one when it starts")
        return current, Store(current, read_only=True)

    @property
    def public(self) -> Store:
        """The newest snapshot of the public area. Raises StoreError when a newer one cannot
        be opened."""
        if time.monotonic() - self._checked > RECHECK_S:
            with self._lock:
                self._checked = time.monotonic()
                if self.snapshots.current() != self._open[0]:
                    self._open = self._open_current()
        return self._open[1]

    def public_snapshot(self) -> Path:
        """Where the snapshot :attr:`public` reads lives (query processes open it too)."""
        self.public  # noqa: B018 - switches to a newer snapshot first
        return self._open[0]

    def get(self, local_id: str, *, public: bool = True) -> Record:
        """The published record ``local_id``. Raises NotFound, Gone, InputError; a reader
        has no work area (``public=False`` raises StoreError)."""
        if not public:
            raise StoreError("a public reader has no work area")
        return read_record(self.public, self.ids, local_id)

    def published(self) -> Iterator[Record]:
        """Every published record (tombstones skipped), in the order of their ids."""
        for local_id in self.disseminations.live_ids(0, len(self.disseminations)):
            try:
                yield self.get(local_id)
            except (Gone, NotFound):
                continue

    def token_key(self) -> bytes:
        """The key that signs resumption tokens (``{home}/secret``, made by the owner).
        Raises StoreError."""
        if self._key is None:
            self._key = signing_key(self.config.secret_path)
        return self._key

    def close(self) -> None:
        self.disseminations.close()
        self.text_index.close()

    def __enter__(self) -> PublicReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
