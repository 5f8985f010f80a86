"""A real HTTP server on 127.0.0.1 for harvester tests, with scripted misbehaviour.

Each test registers :class:`Reply` scripts for paths (optionally keyed by query parameters);
a path may hold a list of replies served in turn, the last one repeating. Replies can delay,
drop the connection part-way, drip bytes forever, redirect, or answer any status with any
headers. The server records every request it saw. Use :func:`serving` as a context manager:
the server is stopped when the block ends.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    """One scripted answer."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/xml"})
    delay: float = 0.0
    drop_after: int | None = None  # send this many body bytes, then cut the connection
    drip: bool = False  # send one byte every 50 ms, forever
    declare_length: bool = True  # a drip declares 10**9 bytes unless this is False


@dataclass
class Script:
    """Replies for one route, served in turn (the last one repeats)."""

    replies: list[Reply]
    served: int = 0

    def next(self) -> Reply:
        reply = self.replies[min(self.served, len(self.replies) - 1)]
        self.served += 1
        return reply


class Server:
    """Routes: ``(path, frozenset of query items or None)`` → :class:`Script`."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, frozenset | None], Script] = {}
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.on_request: Callable[[str, dict[str, str]], None] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def route(self, path: str, *replies: Reply, query: dict[str, str] | None = None) -> None:
        key = frozenset(query.items()) if query is not None else None
        self.routes[(path, key)] = Script(list(replies))

    def reply_for(self, path: str, query: dict[str, str]) -> Reply | None:
        with self.lock:
            self.seen.append((path, query))
            script = self.routes.get((path, frozenset(query.items()))) or self.routes.get(
                (path, None))
            return script.next() if script else None


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            if server.on_request:
                server.on_request(parts.path, query)
            reply = server.reply_for(parts.path, query)
            if reply is None:
                reply = Reply(b"no such route", status=404, headers={})
            self._send(reply)

        def _send(self, reply: Reply) -> None:
            time.sleep(reply.delay)
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.drip:
                if reply.declare_length:
                    self.send_header("Content-Length", str(10 ** 9))
                self.send_header("Connection", "close")
                self.end_headers()
                self._drip()
                return
            self.send_header("Content-Length", str(len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            body = reply.body if reply.drop_after is None else reply.body[:reply.drop_after]
            with contextlib.suppress(OSError):
                self.wfile.write(body)
                self.wfile.flush()
            self.close_connection = True

        def _drip(self) -> None:
            with contextlib.suppress(OSError):
                while True:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.05)

    return Handler


@contextlib.contextmanager
def serving() -> Iterator[Server]:
    """A running :class:`Server` for the duration of the block."""
    server = Server()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    server.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
