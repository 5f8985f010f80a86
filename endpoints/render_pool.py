"""Pages built in processes of their own (``[server] render_processes``), so that a web
worker's event loop keeps its GIL for what it answers itself.

A web worker is one Python process: its event loop sends every answer and answers the light
requests and the cached home and search pages itself, and it shares one GIL with the threads
that build pages. Under load the loop waits for the GIL behind those threads
(docs/benchmarks.md, "Threads per worker"). With ``render_processes`` > 0 the pages that cost
the most and are seldom cached (:func:`renders`: record, agency, language, licence and browse
pages) are built instead by that many child processes of the worker, each running the same
reader application (:func:`app.reader_app` of the worker's home: the newest public snapshot,
the indexes); the
request goes to a child whole (its WSGI environ's plain values and its body) and the answer
comes back whole (at most :data:`MAX_BYTES`). A child that dies, or an answer too large to
send back, leaves the request to the worker's own threads, so nothing is lost but speed (and
after a death the pool is made anew).
Children are started by a fork server (the worker has threads; a plain fork of it would not be
safe) and end with the worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import io
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path

#: The pages built in the children (GET and HEAD; a file download stays with the worker).
RENDERED = ("/record/", "/agency/", "/language/", "/licence/", "/browse")
#: The largest answer a child sends back (a record page is some 30 KB).
MAX_BYTES = 8 * 1024 * 1024
#: The child's application, made once when it starts.
_APP = None
#: prctl(2)'s option naming a process, and the name a child takes (``/proc/{pid}/comm``).
PR_SET_NAME, PROCESS_NAME = 15, b"yuliao-render"
#: Seconds a worker waits for its children at start.
START_SECONDS = 60
#: How often a child looks whether its worker is still there (seconds), and its exit status
#: when it is not.
WATCH_SECONDS, EXIT_ORPHANED = 0.5, 71


class TooLarge(Exception):
    """An answer over :data:`MAX_BYTES`: the worker builds it itself."""




def renders(method: str, path: str) -> bool:
    """Whether a request for ``path`` (below the mount) is built in a child."""
    return (method in ("GET", "HEAD") and path.startswith(RENDERED)
            and "/files/" not in path)


class RenderPool:
    """``processes`` children building pages for one web worker."""

    def __init__(self, processes: int, home: Path, *, back_office: bool = False) -> None:
        self.processes, self.home, self.back_office = processes, home, back_office
        self.executor = self._started()
        # every child started and ready before the worker takes its first request (a child
        # takes about a second to open the snapshot and the indexes)
        wait([self.executor.submit(_ready) for _ in range(processes)], timeout=START_SECONDS)

    def _started(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(self.processes, mp_context=context, initializer=_start_child,
                                   initargs=(os.getpid(), str(self.home), self.back_office))

    def renew(self) -> None:
        """After a child died (the pool is broken then): a new pool, its children started
        as requests come."""
        broken, self.executor = self.executor, self._started()
        broken.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)


def plain(environ: dict) -> dict:
    """The values of a WSGI environ a child can be sent (strings, numbers, flags)."""
    return {key: value for key, value in environ.items()
            if isinstance(value, str | int | float | bool | tuple)}


def render(environ: dict, body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """In a child: the application's answer to the request (status, headers, body). Raises
    TooLarge past :data:`MAX_BYTES`."""
    from .asgi import _start

    started = _start(_APP, {**environ, "wsgi.input": io.BytesIO(body),
                            "wsgi.errors": sys.stderr})
    try:
        parts, size = list(started.parts), sum(len(part) for part in started.parts)
        for part in started.rest or ():
            parts.append(part)
            size += len(part)
            if size > MAX_BYTES:
                raise TooLarge(f"{size:,} bytes")
    finally:
        started.close()
    return started.status, started.headers, b"".join(parts)


def _ready() -> None:
    """A task that keeps a child busy a moment, so that each child gets one at start."""
    time.sleep(0.2)


def _start_child(worker: int, home: str, back_office: bool) -> None:
    """A child's start: the reader application of the worker's ``home``, linking to the back
    office when the worker's does (``back_office``: its pages are the worker's pages), and a
    watch that ends the child when its worker (process ``worker``; the child's parent is the
    fork server) is gone: nothing else would tell it."""
    global _APP
    from app import reader_app

    with contextlib.suppress(OSError, AttributeError):  # "yuliao-render" in ps and top
        ctypes.CDLL("libc.so.6").prctl(PR_SET_NAME, PROCESS_NAME, 0, 0, 0)
    threading.Thread(target=_watch, args=(worker,), daemon=True, name="render-watch").start()
    os.environ["YULIAO_HOME"] = home
    _APP = reader_app()
    _APP.config["BACK_OFFICE"] = back_office


def _watch(worker: int) -> None:
    while True:
        time.sleep(WATCH_SECONDS)
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            os._exit(EXIT_ORPHANED)
        except PermissionError:  # the pid is another user's now: the worker is gone
            os._exit(EXIT_ORPHANED)
