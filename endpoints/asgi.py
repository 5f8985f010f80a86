"""The Flask application served over ASGI the way a buffering proxy would serve it.

Granian (``yuliao serve``'s server) times out clients that send their headers slowly, but a
WSGI application reads the request body itself, blocking one of the server's threads for as
long as the client takes to send it: 200 clients sending a body a byte at a time held every
thread. :class:`BufferedApp` therefore takes requests over ASGI, where waiting costs no
thread: it reads the whole body first, within :attr:`Limits.body_seconds` and
:attr:`Limits.body_bytes` (408 or 413 otherwise, the application never called), then runs the
WSGI application on a bounded pool of threads with the body in memory, and sends the
response, each part within :attr:`Limits.send_seconds` (a client that does not read is
dropped).

Light requests (:func:`is_light`: Identify, GetRecord, static files, a fraction of a
millisecond each) are answered on the event loop at once, without a thread: a monitor or a
harvester gets its answer even while the server is saturated, and skips the cost of handing
the request to a thread (a third of GetRecord's). Pages the application keeps in its page
cache and nearly always find there (:func:`is_cached_kind`: the home and search pages) are
asked for from the cache only on the event loop first (:data:`page_cache.CACHED_ONLY`): one
found there is sent at once, so that a reader of the home page does not wait behind pages
being built; one not there goes on like any other. The others run on the threads; when every
thread is busy they wait their turn (:class:`Admission`), none longer than
:attr:`Limits.queue_seconds` (then 503 with ``Retry-After``), so that a burst leaves no
backlog behind it. With render processes (:mod:`endpoints.render_pool`) the costly pages are
built by child processes instead, in a line of their own, so that the loop keeps its GIL.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from urllib.parse import parse_qs, unquote_to_bytes

from .owner_link import OwnerLink, OwnerUnavailable, owned
from .page_cache import CACHED_ONLY, NOT_CACHED
from .render_pool import RenderPool, TooLarge, plain, render, renders

Scope = dict
Receive = Callable[[], Awaitable[dict]]
Send = Callable[[dict], Awaitable[None]]
WSGIApp = Callable[[dict, Callable], Iterable[bytes]]

#: OAI-PMH verbs answered before other requests when the server is busy (:func:`is_light`).
LIGHT_VERBS = frozenset({"Identify", "ListMetadataFormats", "ListSets", "GetRecord"})
#: Retry-After, in seconds, of a request turned away because the server is busy.
BUSY_RETRY_S = 5
#: Bytes of a response body sent to the client at once.
CHUNK = 64 * 1024
#: Bytes of a response the worker thread reads before it hands the response over.
EAGER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What a client gets: seconds to send its body, bytes it may send, seconds for each part
    of the response to be taken; threads running the application (as many requests are in
    it at once), and seconds a request may wait for one (then 503); the path the application
    is mounted at (the base URI's path without its final slash)."""

    body_seconds: float = 10.0
    body_bytes: int = 1024 * 1024
    send_seconds: float = 30.0
    threads: int = 2
    queue_seconds: float = 10.0
    mount: str = ""
    #: threads for requests that mostly wait for another process (SPARQL: the query
    #: processes, which bound and queue the queries themselves), in a line of their own so
    #: that long queries hold none of the ``threads`` pages are built on
    waiting_threads: int = 8


class BodyTooLarge(Exception):
    """The request body is over the limit."""


class Admission:
    """At most ``limit`` requests in the application's threads at once; those that wait go in
    the order they came, and one that waits longer than ``patience`` seconds is turned away
    (the caller answers 503). Used from the event loop only."""

    def __init__(self, limit: int, patience: float) -> None:
        self.free, self.patience = limit, patience
        self.waiting: deque[asyncio.Future] = deque()

    async def enter(self) -> bool:
        """True once the request may go in; False when it waited ``patience`` in vain."""
        if self.free and not self.waiting:
            self.free -= 1
            return True
        ticket = asyncio.get_running_loop().create_future()
        self.waiting.append(ticket)
        try:
            await asyncio.wait_for(ticket, self.patience)
            return True
        except TimeoutError:
            with contextlib.suppress(ValueError):
                self.waiting.remove(ticket)
            return False
        except asyncio.CancelledError:  # the client left: a place given meanwhile goes on
            if ticket.done() and not ticket.cancelled():
                self.leave()
            raise

    def leave(self) -> None:
        """A request is done: its place goes to the first waiting one, or is freed."""
        while self.waiting:
            ticket = self.waiting.popleft()
            if not ticket.done():
                ticket.set_result(None)
                return
        self.free += 1


def is_light(scope: Scope) -> bool:
    """A request that costs next to nothing and that harvesters and monitors expect to be
    answered at once (on the event loop): the OAI-PMH verbs that read one record or describe
    the repository, and static files."""
    if scope["method"] not in ("GET", "HEAD"):
        return False
    if scope["path"].startswith("/static/"):
        return True
    if scope["path"] != "/oai":
        return False
    verbs = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("verb", [])
    return len(verbs) == 1 and verbs[0] in LIGHT_VERBS


#: Paths (below the mount) whose pages are asked for from the page cache on the event loop
#: first: the home, search and browse pages, found there nearly always (one a language and
#: version; a search's words recur). Record pages are not: a record is rarely asked for twice
#: within its cache life, and every miss would cost the event loop a request's start while
#: the threads hold the GIL.
CACHED_PATHS = frozenset({"/", "/search", "/browse"})
_NOT_CACHED = NOT_CACHED.lower().encode("latin-1")


def is_cached_kind(method: str, path: str) -> bool:
    """A request for a page the application keeps in its page cache (:mod:`.page_cache`)."""
    return method in ("GET", "HEAD") and path in CACHED_PATHS


def _not_cached(started: Started) -> bool:
    return started.status == 204 and any(name == _NOT_CACHED for name, _ in started.headers)


#: Paths (below the mount) whose requests mostly wait for another process.
WAITING_PATHS = frozenset({"/sparql"})


class BufferedApp:
    """An ASGI application serving the WSGI application ``app`` within ``limits``."""

    def __init__(self, app: WSGIApp, limits: Limits | None = None,
                 owner: OwnerLink | None = None, renderers: RenderPool | None = None) -> None:
        self.app, self.limits, self.owner = app, limits or Limits(), owner
        self.renderers = renderers
        self._threads = ThreadPoolExecutor(
            max_workers=self.limits.threads + self.limits.waiting_threads,
            thread_name_prefix="wsgi")
        self._admissions: dict[str, Admission] = {}  # made in the event loop

    def _admission(self, line: str) -> Admission:
        """The line of requests that wait for another process (``waiting``), of the pages
        built in the render processes (``render``), or of the others (``threads``)."""
        if line not in self._admissions:
            limit = {"waiting": self.limits.waiting_threads, "threads": self.limits.threads,
                     "render": self.renderers.processes if self.renderers else 0}[line]
            self._admissions[line] = Admission(limit, self.limits.queue_seconds)
        return self._admissions[line]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            body = await asyncio.wait_for(self._body(scope, receive), self.limits.body_seconds)
        except TimeoutError:
            await _refuse(send, 408, f"the request body did not arrive within "
                                     f"{self.limits.body_seconds:g} s")
            return
        except BodyTooLarge:
            await _refuse(send, 413, f"the request body is over {self.limits.body_bytes} "
                                     "bytes")
            return
        loop = asyncio.get_running_loop()
        target = _below_mount(scope, self.limits.mount)
        if self.owner is not None and owned(unquote_to_bytes(target[0]).decode("latin-1")):
            await self._pass_on(scope, target, body, send)
            return
        if is_light(scope):  # a fraction of a millisecond: answered on the loop at once
            started = _start(self.app, environ(scope, body, self.limits.mount))
            with contextlib.suppress(TimeoutError):
                await self._respond(send, started, loop)
            return
        if is_cached_kind(scope["method"], unquote_to_bytes(target[0]).decode("latin-1")):
            started = _start(self.app, {**environ(scope, body, self.limits.mount),
                                        CACHED_ONLY: True})
            if not _not_cached(started):  # from the page cache: sent at once
                with contextlib.suppress(TimeoutError):
                    await self._respond(send, started, loop)
                return
            started.close()
        path = unquote_to_bytes(target[0]).decode("latin-1")
        if self.renderers is not None and renders(scope["method"], path):
            started = await self._rendered(environ(scope, body, self.limits.mount), body)
            if started is not None:
                with contextlib.suppress(TimeoutError):
                    await self._respond(send, started, loop)
                return
        admission = self._admission("waiting" if path in WAITING_PATHS else "threads")
        if not await admission.enter():
            await _refuse(send, 503, f"the server is busy: the request waited "
                                     f"{self.limits.queue_seconds:g} s; try again later",
                          retry_after=BUSY_RETRY_S)
            return
        try:
            started = await loop.run_in_executor(self._threads, _start, self.app,
                                                 environ(scope, body, self.limits.mount))
        finally:
            admission.leave()
        with contextlib.suppress(TimeoutError):
            await self._respond(send, started, loop)

    async def _rendered(self, env: dict, body: bytes) -> Started | None:
        """The page built by a render process; None when it must be built here instead (no
        process free within ``queue_seconds``, a process that died, an answer too large)."""
        admission = self._admission("render")
        if not await admission.enter():
            return None
        try:
            status, headers, whole = await asyncio.get_running_loop().run_in_executor(
                self.renderers.executor, render, plain(env), body)
        except TooLarge:
            return None
        except BrokenProcessPool:  # a child died: this request is built here, later ones
            self.renderers.renew()  # by new children
            return None
        finally:
            admission.leave()
        return Started(status, headers, [whole], None, lambda: None)

    async def _pass_on(self, scope: Scope, target: tuple[bytes, bytes], body: bytes,
                       send: Send) -> None:
        """The back office's request, answered by the owner (503 when it cannot be)."""
        path, query = target
        request_target = (path + (b"?" + query if query else b"")).decode("latin-1")
        client = (scope.get("client") or ("", 0))[0]
        try:
            await self.owner.forward(scope["method"], request_target, scope["headers"], client,
                                     body, send)
        except OwnerUnavailable as error:
            await _refuse(send, 503, str(error), retry_after=BUSY_RETRY_S)
        except TimeoutError:
            pass  # the answer was cut mid-way: the client sees a short response

    async def _body(self, scope: Scope, receive: Receive) -> bytes:
        """The whole request body. Raises BodyTooLarge as soon as it is over the limit."""
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limits.body_bytes:
            raise BodyTooLarge
        parts, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            part = message.get("body", b"")
            size += len(part)
            if size > self.limits.body_bytes:
                raise BodyTooLarge
            parts.append(part)
            more = message.get("more_body", False)
        return b"".join(parts)

    async def _respond(self, send: Send, started: Started,
                       loop: asyncio.AbstractEventLoop) -> None:
        """Send the status, headers and body parts, each within ``send_seconds``. Raises
        TimeoutError when the client does not take them (the rest is dropped)."""
        try:
            await self._send(send, {"type": "http.response.start", "status": started.status,
                                    "headers": started.headers})
            for part in started.parts:
                for start in range(0, len(part), CHUNK):
                    await self._send(send, {"type": "http.response.body",
                                            "body": part[start:start + CHUNK],
                                            "more_body": True})
            while started.rest is not None:
                part = await loop.run_in_executor(self._threads, next, started.rest, None)
                if part is None:
                    break
                await self._send(send, {"type": "http.response.body", "body": part,
                                        "more_body": True})
            await self._send(send, {"type": "http.response.body", "body": b""})
        finally:
            if started.rest is None:  # read whole: nothing left that could block
                started.close()
            else:
                await loop.run_in_executor(self._threads, started.close)

    async def _send(self, send: Send, message: dict) -> None:
        await asyncio.wait_for(send(message), self.limits.send_seconds)


@dataclass
class Started:
    """A WSGI response once the application has started it: status, headers, the body parts
    read so far, the iterator of the rest (None when all were read) and its close()."""

    status: int
    headers: list[tuple[bytes, bytes]]
    parts: list[bytes]
    rest: Iterator[bytes] | None
    close: Callable[[], None]


def _start(app: WSGIApp, env: dict) -> Started:
    """Call the application (in a worker thread) and read its response up to EAGER_BYTES,
    so that most responses reach the event loop whole."""
    began: list = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info=None):
        began[:] = [int(status.split(" ", 1)[0]),
                    [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]]
        return lambda data: None  # the write() callable; unused by Flask

    result = app(env, start_response)
    rest: Iterator[bytes] | None = iter(result)
    parts, size = [], 0
    for part in rest:
        parts.append(part)
        size += len(part)
        if size >= EAGER_BYTES:
            break
    else:
        rest = None
    status, headers = began
    return Started(status, headers, parts, rest, getattr(result, "close", lambda: None))


def _below_mount(scope: Scope, mount: str) -> tuple[bytes, bytes]:
    """The raw path (less ``mount``) and query of a request, as the client encoded them."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    prefix = mount.encode("latin-1")
    if prefix and (raw == prefix or raw.startswith(prefix + b"/")):
        raw = raw[len(prefix):] or b"/"
    return raw, scope.get("query_string", b"")


def environ(scope: Scope, body: bytes, mount: str = "") -> dict:
    """The WSGI environ (PEP 3333) of an ASGI HTTP request whose body is ``body``, for an
    application mounted at the path ``mount`` (``/yuliao``; "" at the root).

    ``PATH_INFO`` is the percent-decoded path as latin-1 text, as WSGI servers give it, less
    ``mount`` when it starts with it (a proxy may pass the path whole or strip the mount);
    ``SCRIPT_NAME`` is ``mount``; ``RAW_URI`` keeps the path as it was sent."""
    raw = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = unquote_to_bytes(raw).decode("latin-1")
    if mount and (path == mount or path.startswith(f"{mount}/")):
        path = path[len(mount):] or "/"
    query = scope.get("query_string", b"")
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    env = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": mount,
        "PATH_INFO": path,
        "QUERY_STRING": query.decode("latin-1"),
        "RAW_URI": (raw + (b"?" + query if query else b"")).decode("latin-1"),
        "SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": client[0], "REMOTE_PORT": str(client[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0), "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
        "wsgi.multithread": True, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        key = key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"
        text = value.decode("latin-1")
        env[key] = f"{env[key]}, {text}" if key in env else text
    return env


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return value.decode("latin-1").strip()
    return None


async def _refuse(send: Send, status: int, message: str, retry_after: int | None = None
                  ) -> None:
    body = f"{message}\n".encode()
    headers = [(b"content-type", b"text/plain; charset=utf-8"),
               (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
