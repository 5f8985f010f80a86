"""A query process: :func:`run`, forked by the pool's fork server.

It reads :class:`~repository.querypool.wire.Ask` messages from one pipe and writes
:class:`~repository.querypool.wire.Reply` messages to another, one query at a time, on a
read-only snapshot of the public area or on the remote public area.

Its limits hold even if the pool that started it is stuck: the address space is capped at
what it had after start-up plus :attr:`Hello.memory_limit` (``RLIMIT_AS``; an allocation past
it fails, and the process reports the query as too large or dies, which the pool sees); a
watchdog thread ends the process when a query runs well past its time limit, or when the
parent is gone.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path

from ..errors import RepositoryError
from ..remote_store import RemoteStore
from ..sparql import Evaluator, QueryLimits
from ..store import Store
from . import wire

#: Seconds past a query's own time limit after which the watchdog ends the process.
OVERRUN_S = 2.0
#: How often the watchdog looks, in seconds.
WATCH_EVERY_S = 0.25
#: Exit status when the watchdog ends the process.
EXIT_OVERRUN, EXIT_ORPHANED = 70, 71
#: mallopt(3) parameter: the number of malloc arenas.
M_ARENA_MAX = -8


class QueryProcess:
    """The state of this process: the store it has open and the query it is answering."""

    def __init__(self, hello: wire.Hello) -> None:
        self.remote = RemoteStore(*hello.remote) if hello.remote else None
        self.snapshot: tuple[str, Store] | None = None
        self.deadline: float | None = None  # of the query being answered

    def answer(self, ask: wire.Ask) -> wire.Reply:
        """The reply to ``ask``: the packed answer, or the error it raised."""
        self.deadline = time.monotonic() + ask.seconds + OVERRUN_S
        try:
            store = self._store(ask.snapshot)
            answer = store.evaluate(ask.query, dataset=ask.dataset,
                                    limits=QueryLimits(ask.seconds, ask.max_rows))
            return wire.Reply(answer=wire.pack(answer))
        except RepositoryError as error:
            return wire.Reply(error=type(error).__name__, message=str(error))
        except MemoryError:
            return wire.Reply(error="QueryTooLarge", message="out of memory")
        except Exception as error:  # noqa: BLE001 - reported, not lost with the process
            return wire.Reply(error="StoreError", message=f"the query failed: {error!r}")
        finally:
            self.deadline = None

    def _store(self, snapshot: str | None) -> Evaluator:
        """The remote store, or the snapshot ``snapshot`` (opened when it is not the one
        open). Raises StoreError when it cannot be opened."""
        if self.remote is not None:
            return self.remote
        if snapshot is None:
            raise RepositoryError("no snapshot of the public area to query")
        return self.open(snapshot)

    def open(self, snapshot: str) -> Store:
        """The snapshot ``snapshot``, opened unless it is the one open. Raises StoreError."""
        if self.snapshot is None or self.snapshot[0] != snapshot:
            self.snapshot = None  # let go of the old one before opening the new
            self.snapshot = (snapshot, Store(Path(snapshot), read_only=True))
        return self.snapshot[1]


def watch(process: QueryProcess, parent: int) -> None:
    """Ends this process when its parent is gone or a query overruns (daemon thread)."""
    while True:
        time.sleep(WATCH_EVERY_S)
        if os.getppid() != parent:
            os._exit(EXIT_ORPHANED)
        deadline = process.deadline
        if deadline is not None and time.monotonic() > deadline:
            os._exit(EXIT_OVERRUN)


def cap_memory(extra: int) -> None:
    """Caps the address space at its present size plus ``extra`` bytes, and keeps malloc to
    two arenas (each arena reserves 64 MiB of address space per thread that uses it)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").mallopt(M_ARENA_MAX, 2)
    pages = Path("/proc/self/statm").read_text().split()[0]
    size = int(pages) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))


def run(requests: Connection, replies: Connection, hello: wire.Hello) -> None:
    """The life of a query process (its parent is the pool's fork server): open what
    ``hello`` says, cap the memory, say it is ready, then answer queries until ``requests``
    closes."""
    parent = os.getppid()
    process = QueryProcess(hello)
    if hello.snapshot is not None:
        process.open(hello.snapshot)  # before the first query, so that it counts no start-up
    cap_memory(hello.memory_limit)
    threading.Thread(target=watch, args=(process, parent), daemon=True).start()
    wire.send(replies, "ready")
    while True:
        try:
            ask = wire.receive(requests)
        except EOFError:
            return
        wire.send(replies, process.answer(ask))
