"""``yuliao serve``: the owner process and its web workers.

Layout on one machine (docs/deployment.md has the measurements behind it)::

    yuliao serve (owner) ── holds the embedded store read-write; snapshots its public area;
      │                     computes the VoID statistics; serves the back office (which
      │                     writes) to the workers over a Unix socket (endpoints/owner_link.py)
      └─ granian (ASGI) ─── N web worker processes (one per core by default), each
           ├─ worker 1      app:served_app(): a PublicReader on the newest snapshot, the OAI and
           └─ worker N      text indexes; SPARQL in its own query processes (repository.querypool)

Granian was chosen on measurements (Rust HTTP/1.1, headers read within ``header_timeout``);
requests reach Flask through :class:`endpoints.asgi.BufferedApp`, which reads each body whole
within ``body_timeout`` and ``max_body_bytes`` first. With the store on SPARQL servers there is
nothing to own: the workers open the repository themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from repository import Config, Repository, RepositoryError
from repository.void import VoidCache, stored_is_current

from .owner_link import SOCKET_VARIABLE, serve_on_socket, socket_folder, stop

log = logging.getLogger(__name__)

#: The package root the web workers import this code from (the same as the owner's).
CODE_ROOT = Path(__file__).resolve().parents[1]
#: Connections waiting to be accepted, and connections each worker serves at once.
BACKLOG = 4096
#: Seconds between two looks of the owner at its public area (a new snapshot when written).
SNAPSHOT_EVERY_S = 1.0
#: Seconds at least between two recomputations of the VoID statistics.
VOID_EVERY_S = 60.0
#: Seconds the workers get to finish their requests when the server is stopped.
STOP_S = 10


def worker_count(config: Config) -> int:
    """Web worker processes: ``[server] workers``, else one per core."""
    return config.server.workers or os.cpu_count() or 1


def granian_command(config: Config, host: str, port: int) -> list[str]:
    """The command that runs the web workers."""
    server = config.server
    return [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory",
        "--host", host, "--port", str(port), "--workers", str(worker_count(config)),
        "--http1-header-read-timeout", str(int(server.header_timeout * 1000)),
        # every worker takes every connection it is given: granian's default bound
        # (backlog / workers, counted per open connection) left a worker holding more than
        # its share of kept-alive connections unable to answer new ones for tens of seconds;
        # requests in the application are bounded by endpoints.asgi.Admission instead
        "--backlog", str(BACKLOG), "--backpressure", str(BACKLOG),
        "--no-ws", "--log-level", "warning", "--workers-kill-timeout", str(STOP_S),
        "app:served_app",
    ]


class Owner:
    """The process that holds an embedded store while the workers read its snapshots, and
    serves the back office (which writes) to them over a Unix socket.

    Raises NotFound (from the constructor) for a home that was never made and StoreError when
    the store cannot be opened (StoreBusy: another process holds it)."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.repository: Repository | None = None
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        if not config.store.remote:
            self.repository = Repository(config, create=False)
            self.repository.public_snapshot()  # the workers open it at once

    def maintain(self) -> threading.Thread | None:
        """Keep the workers' view current, on a daemon thread: a new snapshot within a
        second of each write of the public area (the back office writes here), and the VoID
        statistics recomputed when they are older than the latest change, at most every
        VOID_EVERY_S seconds (off the way of requests: they scan the store)."""
        if self.repository is None:
            return None
        self._thread = threading.Thread(target=self._maintain, name="owner", daemon=True)
        self._thread.start()
        return self._thread

    def _maintain(self) -> None:
        last_void = -VOID_EVERY_S
        while not self._stopping.wait(SNAPSHOT_EVERY_S):
            if time.monotonic() - last_void >= VOID_EVERY_S:
                last_void = time.monotonic()
                self._describe()
            self._snapshot()

    def _describe(self) -> None:
        try:
            if not stored_is_current(self.repository):
                VoidCache(self.repository).graph()
        except RepositoryError as error:
            log.warning("the VoID description was not stored: %s", error)

    def _snapshot(self) -> None:
        try:
            self.repository.public_snapshot()
        except RepositoryError as error:
            log.warning("no new snapshot of the public area: %s", error)

    def close(self) -> None:
        """Stop maintaining (waiting for a snapshot or VoID computation under way) and let go
        of the store."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_S * 6)
        if self.repository is not None:
            self.repository.close()


def serve(owner: Owner, host: str, port: int, back_office: Callable | None = None) -> int:
    """Run the server of ``owner``'s home until it is stopped (SIGINT, SIGTERM) or the workers
    exit; returns their exit status. ``back_office`` (the application over the owner's
    read-write repository) answers the workers' back-office requests over a Unix socket. The
    owner is closed at the end."""
    config = owner.config
    folder = socket_folder() if back_office is not None else None
    linked = None
    try:
        environment = {**os.environ, "YULIAO_HOME": str(config.home),
                       "PYTHONPATH": os.pathsep.join(filter(None, (
                           str(CODE_ROOT), os.environ.get("PYTHONPATH"))))}
        if folder is not None:
            socket = folder / "owner.sock"
            linked = serve_on_socket(back_office, socket, mount_of(config))
            environment[SOCKET_VARIABLE] = str(socket)
        workers = subprocess.Popen(granian_command(config, host, port), env=environment)
        owner.maintain()
        return _supervise(workers)
    finally:
        if linked is not None:
            stop(linked, folder)
        owner.close()


def mount_of(config: Config) -> str:
    """The path the application is mounted at: the base URI's, without its final slash."""
    return urlsplit(config.base_uri).path.rstrip("/")


def _supervise(workers: subprocess.Popen) -> int:
    """Wait for the workers; SIGINT and SIGTERM stop them (then the owner lets go)."""
    def stop(signum: int, frame) -> None:
        with contextlib.suppress(ProcessLookupError):
            workers.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        return workers.wait()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        if workers.poll() is None:
            workers.kill()
            workers.wait()
