"""The pool of query processes, seen from the web process (see the package's docstring)."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import itertools
import multiprocessing
import multiprocessing.context
import os
import signal
import threading
import time
import weakref
from collections import Counter, OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..config import SparqlSettings
from ..errors import StoreError
from ..sparql import (
    Answer,
    Dataset,
    QueryBusy,
    QueryLimits,
    QueryTimeout,
    QueryTooLarge,
    check_read_only,
)
from ..store import past_time_limit
from . import wire, worker

#: Seconds the pool waits beyond a query's time limit for its process to report.
GRACE_S = 0.5
#: Niceness of a process running a heavy query (web requests and light queries go first).
HEAVY_NICENESS = 15
#: Heavy queries remembered (the most recent), which are heavy from the start next time.
KNOWN_HEAVY = 256
#: Statuses of a process that ran out of memory: an allocation failure aborts it.
OUT_OF_MEMORY = (-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS)

Target = Callable[[], str | None]  # the snapshot to query now (None: the remote store)


class HeavySlots:
    """At most ``count`` heavy queries at once among every process using ``folder`` (one
    ``flock``-ed file per slot, freed by the kernel when a process dies), or within this
    process when ``folder`` is None."""

    def __init__(self, folder: Path | None, count: int) -> None:
        self.folder, self.count = folder, count
        self._local = threading.BoundedSemaphore(count)

    def acquire(self) -> Callable[[], None] | None:
        """A slot's release function, or None when every slot is taken (never waits).
        Raises StoreError when the slot files cannot be made."""
        if not self._local.acquire(blocking=False):
            return None
        if self.folder is None:
            return self._local.release
        held = self._lock_file()
        if held is None:
            self._local.release()
            return None
        return lambda: self._free(held)

    def _lock_file(self) -> IO[bytes] | None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for number in range(self.count):
                held = open(self.folder / f"sparql-heavy-{number}.lock", "wb")  # noqa: SIM115
                try:
                    fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return held
                except BlockingIOError:
                    held.close()
        except OSError as error:
            raise StoreError(f"cannot take a heavy-query slot in {self.folder}: {error}") \
                from error
        return None

    def _free(self, held: IO[bytes]) -> None:
        held.close()  # closing the file drops its lock
        self._local.release()


def _forkserver() -> multiprocessing.context.ForkServerContext:
    """Where query processes come from: a fork server that has imported the query process's
    code once, so that a new process is ready in milliseconds rather than the quarter of a
    second a fresh interpreter takes (what matters when a killed one is replaced)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["repository.querypool.worker"])
    return context


FORKSERVER = _forkserver()


class Process:
    """One query process, started at once (a query sent before it is ready waits in the
    pipe)."""

    def __init__(self, hello: wire.Hello) -> None:
        self._replies, replies = FORKSERVER.Pipe(duplex=False)
        requests, self._requests = FORKSERVER.Pipe(duplex=False)
        self.process = FORKSERVER.Process(target=worker.run, args=(requests, replies, hello),
                                          name="sparql-query", daemon=True)
        self.process.start()
        requests.close()
        replies.close()
        self.ready = False
        #: running a heavy query at a lower priority
        self.demoted = False

    @property
    def pid(self) -> int:
        return self.process.pid

    def status(self, wait: float = 0.0) -> int | None:
        """The exit status (negative: the signal that ended it); None while it runs."""
        self.process.join(wait)
        return self.process.exitcode

    def ask(self, ask: wire.Ask, deadline: float) -> None:
        """Send one query once the process is ready (started, its code imported), waiting
        for that until ``deadline``. Raises EOFError or OSError when the process is gone,
        TimeoutError when it is not ready in time."""
        if not self.ready:
            if not self._replies.poll(max(0.0, deadline - time.monotonic())):
                raise TimeoutError("the query process did not start in time")
            wire.receive(self._replies)  # its greeting
            self.ready = True
        wire.send(self._requests, ask)

    def demote(self) -> None:
        """Lower the process's CPU priority below the web process's (a heavy query)."""
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, self.pid, HEAVY_NICENESS)
        self.demoted = True

    def restore(self) -> bool:
        """Raise the priority again after a heavy query; False when this process may not
        (only a privileged one may lower a niceness)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, 0)
        except OSError:
            return False
        self.demoted = False
        return True

    def reply(self, seconds: float) -> wire.Reply | None:
        """The reply, waiting at most ``seconds``; None when there is none yet. Raises
        EOFError when the process died."""
        if not self._replies.poll(max(0.0, seconds)):
            return None
        return wire.receive(self._replies)

    def kill(self) -> None:
        """End the process now, reap it and let go of its pipes."""
        with contextlib.suppress(ProcessLookupError, ValueError):
            self.process.kill()
        self.process.join(5)
        self._requests.close()
        self._replies.close()
        with contextlib.suppress(ValueError):
            self.process.close()


#: Who is asking (the endpoint sets it per request): waiting queries are served fairly
#: between clients.
CLIENT: ContextVar[str] = ContextVar("sparql_client", default="")


@dataclass(frozen=True, eq=False)
class Ticket:
    """A query waiting for a process: its client and its place in line."""

    client: str
    number: int


class QueryPool:
    """Up to ``settings.workers`` query processes, started when needed; an Evaluator
    (``evaluate(query, limits=…, dataset=…)``).

    ``target`` names the snapshot each query runs on (None when ``remote`` names the public
    area's server). ``run_folder`` holds the heavy-query slots shared with other processes.
    """

    def __init__(self, settings: SparqlSettings, target: Target, *,
                 remote: tuple | None = None, run_folder: Path | None = None) -> None:
        self.settings, self.target = settings, target
        self._hello = wire.Hello(memory_limit=settings.memory_limit, remote=remote)
        self._slots = HeavySlots(run_folder, settings.heavy)
        self._idle: list[Process] = []
        self._busy: set[Process] = set()  # running light queries
        self._heavy: set[Process] = set()  # running heavy queries (not counted in workers)
        self._known_heavy: OrderedDict[tuple, None] = OrderedDict()
        self._waiting: list[Ticket] = []
        self._running: Counter[str] = Counter()  # queries running per client
        self._tickets = itertools.count()
        self._changed = threading.Condition()
        self._closed = False
        # processes end with the pool, even one nobody closed (a test's application)
        self._finalizer = weakref.finalize(self, _end, self._idle, self._busy, self._heavy)

    # -- answering -------------------------------------------------------------------------

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer:
        """The answer of ``query`` within ``limits`` (seconds counted from now, waiting for a
        process included). Raises QueryRefused for an update, QueryTimeout past the time limit,
        QueryBusy when the query is heavy and no heavy slot is free, QueryTooLarge when its
        process ran out of memory, and what the store raises (QuerySyntaxError, StoreError).

        A query seen running past ``heavy_after`` before is heavy from the start: it takes a
        heavy slot before it takes a process, or is refused at once."""
        check_read_only(query)
        deadline = time.monotonic() + limits.seconds
        key = (query, dataset)
        release = self._slots.acquire() if key in self._known_heavy else False
        if release is None:
            raise self._busy_error()
        try:
            reply = self._run(query, dataset, deadline, limits, release)
        finally:
            if release:
                release()
        if reply.error == QueryTimeout.__name__:  # its limit was what was left of ours
            raise past_time_limit(limits)
        if reply.error == QueryTooLarge.__name__:
            raise self._too_large()
        if reply.error:
            raise wire.error_of(reply)
        return wire.unpack(reply.answer)

    def _run(self, query: str, dataset: Dataset | None, deadline: float,
             limits: QueryLimits, release: Callable[[], None] | bool) -> wire.Reply:
        """The reply of a process to the query (heavy from the start when ``release`` holds a
        slot). Raises QueryTimeout, QueryBusy, QueryTooLarge, StoreError."""
        process = self._checkout(deadline, limits)
        reply = None
        try:
            process.ask(wire.Ask(query, dataset, deadline - time.monotonic(), limits.max_rows,
                                 self.target()), deadline)
            if release:
                self._demote(process)
                reply = self._reply(process, deadline, limits)
            else:
                reply = self._await(process, (query, dataset), deadline, limits)
            return reply
        except TimeoutError:
            raise past_time_limit(limits) from None
        except (EOFError, OSError):
            raise self._died(process) from None
        finally:
            self._checkin(process, clean=reply is not None)

    def _await(self, process: Process, key: tuple, deadline: float,
               limits: QueryLimits) -> wire.Reply:
        """The reply of ``process``: light until ``heavy_after``, then in a heavy slot until
        the deadline. Raises QueryBusy, QueryTimeout, EOFError."""
        light_until = min(deadline, time.monotonic() + self.settings.heavy_after)
        reply = process.reply(light_until - time.monotonic())
        if reply is not None:
            self._known_heavy.pop(key, None)
            return reply
        self._remember_heavy(key)
        release = self._slots.acquire()
        if release is None:
            raise self._busy_error()
        self._demote(process)
        try:
            return self._reply(process, deadline, limits)
        finally:
            release()

    def _reply(self, process: Process, deadline: float, limits: QueryLimits) -> wire.Reply:
        """The reply of ``process`` by the deadline. Raises QueryTimeout, EOFError."""
        reply = process.reply(deadline - time.monotonic() + GRACE_S)
        if reply is None:
            raise past_time_limit(limits)
        return reply

    def _remember_heavy(self, key: tuple) -> None:
        with self._changed:
            self._known_heavy[key] = None
            self._known_heavy.move_to_end(key)
            while len(self._known_heavy) > KNOWN_HEAVY:
                self._known_heavy.popitem(last=False)

    def _busy_error(self) -> QueryBusy:
        return QueryBusy(
            f"the query runs longer than {self.settings.heavy_after:g} s and every slot for "
            f"long queries ({self.settings.heavy}) is taken, so it was not run to the end; "
            "try again later")

    def _too_large(self) -> QueryTooLarge:
        limit = self.settings.memory_limit // 2**20
        return QueryTooLarge(f"the query needed more than the memory limit of {limit} MiB "
                             "and was stopped")

    def _demote(self, process: Process) -> None:
        """``process`` runs a heavy query from now on: lower priority, and no longer counted
        among the ``workers`` (another is started for light queries)."""
        process.demote()
        with self._changed:
            self._busy.discard(process)
            self._heavy.add(process)
            self._fill()

    def _died(self, process: Process) -> Exception:
        """The error for a query whose process ended before it replied."""
        status = process.status(wait=1)
        if status in OUT_OF_MEMORY:
            return self._too_large()
        return StoreError(f"the query process ended unexpectedly (status {status})")

    # -- the processes ---------------------------------------------------------------------

    def _checkout(self, deadline: float, limits: QueryLimits) -> Process:
        """An idle process (all ``workers`` are started with the first query, and each one
        that ends is replaced at once, so that one is ready when a query comes). Waiting
        queries are served fairly: first those of the client with the fewest queries
        running (:data:`CLIENT`), then the oldest. Raises QueryTimeout when none is free
        before ``deadline``."""
        ticket = Ticket(CLIENT.get(), next(self._tickets))
        with self._changed:
            self._waiting.append(ticket)
            try:
                process = self._wait_turn(ticket, deadline, limits)
            finally:
                self._waiting.remove(ticket)
                self._changed.notify_all()  # the next in line may be someone else now
            self._busy.add(process)
            self._running[ticket.client] += 1
            return process

    def _wait_turn(self, ticket: Ticket, deadline: float, limits: QueryLimits) -> Process:
        """An idle process once ``ticket`` is first in line (called holding the lock)."""
        while True:
            if self._closed:
                raise StoreError("the query pool is closed")
            self._fill()
            if self._idle and min(self._waiting, key=self._precedence) is ticket:
                return self._idle.pop(0)
            if not self._changed.wait(deadline - time.monotonic()):
                raise QueryTimeout(
                    f"all {self.settings.workers} query processes stayed busy for the time "
                    f"limit of {limits.seconds:g} s; try again later")

    def _precedence(self, ticket: Ticket) -> tuple[int, int]:
        return self._running[ticket.client], ticket.number

    def _fill(self) -> None:
        """Start processes until there are ``workers`` (called holding the lock)."""
        while len(self._idle) + len(self._busy) < self.settings.workers:
            hello = dataclasses.replace(self._hello, snapshot=self.target())
            self._idle.append(Process(hello))

    def _checkin(self, process: Process, *, clean: bool) -> None:
        """Back to the idle list after a reply, when there is room (a process back from a
        heavy query must get its priority back); killed (its query abandoned) and replaced
        otherwise."""
        client = CLIENT.get()
        with self._changed:
            self._running[client] -= 1
            if not self._running[client]:
                del self._running[client]
            self._busy.discard(process)
            self._heavy.discard(process)
            keep = (clean and not self._closed and process.status() is None
                    and len(self._idle) + len(self._busy) < self.settings.workers
                    and (not process.demoted or process.restore()))
            if keep:
                self._idle.append(process)
            elif not self._closed:
                self._fill()
            self._changed.notify_all()  # the one first in line may be any waiter
        if not keep:
            process.kill()

    def start(self) -> None:
        """Start the ``workers`` processes now rather than with the first query (a server
        does it as it starts, so that no early query waits for them)."""
        with self._changed:
            self._fill()

    def pids(self) -> list[int]:
        """The process ids of the live query processes."""
        with self._changed:
            return [p.pid for p in (*self._idle, *self._busy, *self._heavy)
                    if p.status() is None]

    def close(self) -> None:
        """End every process (running queries are abandoned)."""
        with self._changed:
            self._closed = True
            self._changed.notify_all()
        self._finalizer()


def _end(idle: list[Process], busy: set[Process], heavy: set[Process]) -> None:
    """Kill and reap every process of a pool."""
    processes = [*idle, *busy, *heavy]
    idle.clear()
    for process in processes:
        process.kill()
