"""The journal: a write-ahead note of every public change, so that a process killed part-way
through one leaves each record it touched wholly before or wholly after.

A public change writes up to four places one after the other: the work area, the public area,
the dissemination index and the text index. Before the first of them the repository notes an
**intent** here (its kind and the local ids it touches) and deletes it after the last; an
intent still here when nobody is working on it is a change that was cut short, and
:meth:`repository.core.Repository.finish` rolls it forward from the area that was written first
(see docs/architecture.md, "Crash safety"). One intent covers a whole batch of an import, so an
import pays two small SQLite commits a batch, not a write a record.

The journal lives in the home directory (``{home}/journal/intents.sqlite``, WAL mode), which is
local even when the two areas are on SPARQL servers. Several processes may write through one
home (a web server's workers, an import, a harvest): each :class:`Journal` is an **owner** with
a lock file ``{home}/journal/{owner}.lock`` that it holds (``flock``) for as long as it is
open. The kernel releases the lock when the process dies, however it dies, so an intent whose
owner's lock is free belongs to a process that is gone: only those are ever finished by
another; a live process's intents are left to it.

Commits are made durable against the death of the process (SQLite's ``synchronous=NORMAL``);
a power cut is beyond this journal, as it is beyond the stores, which do not sync their logs
on every write either. sqlite3 and lock-file errors are raised as StoreError.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .errors import StoreError
from .records import now_utc, utc_text

#: What an intent asks for when it is finished (:meth:`repository.core.Repository.finish`):
#: ``write``, the public area and the indexes follow the work area; ``delete``, the work copy
#: goes and the public one becomes a tombstone; ``adopt``, the work area takes the public copy.
Kind = Literal["write", "delete", "adopt"]
KINDS: tuple[Kind, ...] = ("write", "delete", "adopt")
DATABASE = "intents.sqlite"
LOCK_SUFFIX = ".lock"
#: Seconds to wait for a sweep that holds a fresh lock file by mistake to let it go.
SWEEP_WAIT = 0.01
SCHEMA = """
CREATE TABLE IF NOT EXISTS intents (
    number INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    local_ids TEXT NOT NULL,
    begun TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Intent:
    """A public change noted before it was made: which records, and what finishing it means."""

    number: int
    owner: str
    kind: Kind
    local_ids: tuple[str, ...]
    begun: str  # UTC, "2026-11-22T02:05:00Z"

    def __str__(self) -> str:
        count = len(self.local_ids)
        return (f"journal entry {self.number}: an unfinished {self.kind} of {count} "
                f"record{'s' if count != 1 else ''} begun {self.begun}")


class Journal:
    """The journal in ``directory`` (created if missing), or in memory when None (nothing
    outlives the process then, so there is never anything to finish).

    Raises StoreError when the database or this owner's lock file cannot be made.
    """

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.owner = uuid.uuid4().hex
        self._lock = threading.Lock()  # the connection is shared by an import's threads
        self._held: int | None = None  # the file descriptor of this owner's lock file
        if directory is not None:
            try:
                directory.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise StoreError(f"cannot create the journal {directory}: {error}") from error
            self._held = self._own_lock()
        self._db = self._connect()

    def _own_lock(self) -> int:
        """This owner's lock file, created and locked. Another process sweeping lock files
        may take and remove a fresh one before it is locked here (it looks like a dead owner's
        then): the file locked must still be the one at the path, else it is made again."""
        path = self._lock_path(self.owner)
        while True:
            held = _claim(path)
            if held is None:  # taken for a moment by a sweep, which removes it
                time.sleep(SWEEP_WAIT)
                continue
            with contextlib.suppress(FileNotFoundError):
                if os.stat(path).st_ino == os.fstat(held).st_ino:
                    return held
            os.close(held)

    def _connect(self) -> sqlite3.Connection:
        where = str(self.directory / DATABASE) if self.directory else ":memory:"
        try:
            db = sqlite3.connect(where, isolation_level=None, check_same_thread=False)
            if self.directory:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("PRAGMA busy_timeout = 10000")
            db.executescript(SCHEMA)
            return db
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the journal {where}: {error}") from error

    def _lock_path(self, owner: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{owner}{LOCK_SUFFIX}"

    # -- writing ---------------------------------------------------------------------------

    def begin(self, kind: Kind, local_ids: Iterable[str]) -> Intent:
        """Note (durably, before any of it is written) a change of ``kind`` to ``local_ids``.
        Raises StoreError when the note cannot be committed; nothing may be written then."""
        ids = tuple(dict.fromkeys(local_ids))
        begun = utc_text(now_utc())
        with self._writing() as db:
            cursor = db.execute("INSERT INTO intents (owner, kind, local_ids, begun) "
                                "VALUES (?, ?, ?, ?)", (self.owner, kind, json.dumps(ids), begun))
        return Intent(cursor.lastrowid, self.owner, kind, ids, begun)

    def end(self, intent: Intent) -> None:
        """The change of ``intent`` is wholly written: forget it. Raises StoreError."""
        with self._writing() as db:
            db.execute("DELETE FROM intents WHERE number = ?", (intent.number,))

    @contextlib.contextmanager
    def _writing(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                yield self._db
            except sqlite3.Error as error:
                raise StoreError(f"cannot write the journal {self._where}: {error}") from error

    @property
    def _where(self) -> str:
        return str(self.directory) if self.directory else "in memory"

    # -- reading ---------------------------------------------------------------------------

    def unfinished(self) -> list[tuple[Intent, bool]]:
        """Every intent not ended, oldest first, each with whether its owner is still alive
        (then it is being written now, and is not for anyone else to finish). Raises
        StoreError."""
        intents = self._intents()
        alive = {owner: self._alive(owner) for owner in {i.owner for i in intents}}
        return [(intent, alive[intent.owner]) for intent in intents]

    def _intents(self, owner: str | None = None) -> list[Intent]:
        sql = "SELECT number, owner, kind, local_ids, begun FROM intents"
        params: tuple[str, ...] = ()
        if owner is not None:
            sql, params = sql + " WHERE owner = ?", (owner,)
        with self._writing() as db:
            found = db.execute(sql + " ORDER BY number", params).fetchall()
        return [Intent(number, who, kind, tuple(json.loads(ids)), begun)
                for number, who, kind, ids, begun in found]

    def _alive(self, owner: str) -> bool:
        """True when ``owner`` is this journal or its lock is held by a living process."""
        if owner == self.owner or self.directory is None:
            return True
        held = _claim(self._lock_path(owner))
        if held is None:
            return True
        os.close(held)
        return False

    @contextlib.contextmanager
    def orphans(self) -> Iterator[list[Intent]]:
        """The unfinished intents of owners that are gone, oldest first, theirs to finish
        (end each one finished) while this is open: their lock files are held meanwhile, so
        no other process finishes them at the same time. Afterwards the lock file of each
        owner with no intent left is removed, with those of owners that left none. Raises
        StoreError."""
        claimed: dict[str, int] = {}
        try:
            for owner in self._other_owners():
                held = _claim(self._lock_path(owner))
                if held is not None:
                    claimed[owner] = held
            yield [i for owner in claimed for i in self._intents(owner)]
            for owner in claimed:
                if not self._intents(owner):
                    self._lock_path(owner).unlink(missing_ok=True)
        finally:
            for held in claimed.values():
                os.close(held)

    def _other_owners(self) -> list[str]:
        """Every owner with a lock file or an intent here, but this journal."""
        if self.directory is None:
            return []
        owners = {path.name[:-len(LOCK_SUFFIX)] for path in self.directory.glob(f"*{LOCK_SUFFIX}")}
        owners |= {intent.owner for intent in self._intents()}
        owners.discard(self.owner)
        return sorted(owners)

    def close(self) -> None:
        """Close the database and give up the lock; this owner's lock file is removed when no
        intent of its is left (else the next process to open the home finishes them)."""
        with contextlib.suppress(StoreError, sqlite3.Error):
            if self._held is not None and not self._intents(self.owner):
                self._lock_path(self.owner).unlink(missing_ok=True)
        with contextlib.suppress(sqlite3.Error):
            self._db.close()
        if self._held is not None:
            os.close(self._held)
            self._held = None


def _claim(path: Path) -> int | None:
    """A file descriptor of ``path`` (created if missing) locked for this process, or None
    when another holds its lock. The lock lives as long as the descriptor (a bare one: a
    repository dropped unclosed keeps its lock until the process ends, without a warning).
    Raises StoreError when the file cannot be opened."""
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise StoreError(f"cannot open the journal lock {path}: {error}") from error
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        return None
    except OSError as error:
        os.close(handle)
        raise StoreError(f"cannot lock {path}: {error}") from error
    return handle
