"""The back office runs where the store is written: in ``yuliao serve``'s owner process.

The web workers read snapshots of the public area and cannot write; the back office (logins,
the form, reviews) reads the work area and writes. So the owner also runs the application,
over its read-write repository, behind a Unix socket only it and its workers can reach
(:func:`serve_on_socket`, in a directory only the owner's user may enter), and a worker passes
every request for :data:`OWNER_PATHS` on to it (:class:`OwnerLink`, used by
:class:`endpoints.asgi.BufferedApp` once it has the whole request). The owner sees the
request as the worker did: the client's address travels in :data:`CLIENT_HEADER` (which a
worker strips from what clients send), so rate limits, trusted proxies and the audit log work
the same. With the store on SPARQL servers every worker writes itself and nothing is passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path

from werkzeug.serving import BaseWSGIServer, make_server

Send = Callable[[dict], Awaitable[None]]

#: Paths served by the owner (everything under them too).
OWNER_PATHS = ("/admin", "/login", "/logout", "/apply")
#: The client's address as the worker saw it (private to the worker and the owner).
CLIENT_HEADER = "X-Yuliao-Client"
#: Headers that concern one connection only, not passed on.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "proxy-connection", "transfer-encoding",
                        "te", "trailer", "upgrade", "content-length",
                        CLIENT_HEADER.lower()})
#: Bytes read from the owner at a time.
CHUNK = 64 * 1024
#: The environment variable that tells a worker where the owner's socket is.
SOCKET_VARIABLE = "YULIAO_OWNER_SOCKET"


def owned(path: str) -> bool:
    """True when ``path`` (below the mount) is served by the owner."""
    return any(path == prefix or path.startswith(f"{prefix}/") for prefix in OWNER_PATHS)


class OwnerUnavailable(Exception):
    """The owner did not answer (it is not running, or it failed)."""


class OwnerLink:
    """A worker's way to the owner: each request over a new connection to ``socket_path``,
    answered within ``seconds``."""

    def __init__(self, socket_path: str, seconds: float = 60.0) -> None:
        self.socket_path, self.seconds = socket_path, seconds

    async def forward(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                      client: str, body: bytes, send: Send) -> None:
        """Pass the request on (``target``: path below the mount, with its query) and send
        the owner's response back. Raises OwnerUnavailable when the owner cannot be reached
        or does not answer in time (nothing sent yet), TimeoutError when it stops mid-way."""
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_unix_connection(self.socket_path), self.seconds)
        except (OSError, TimeoutError) as error:
            raise OwnerUnavailable(f"the back office is not reachable: {error}") from error
        try:
            writer.write(_request(method, target, headers, client, body))
            await writer.drain()
            status, response_headers = await asyncio.wait_for(_head(reader), self.seconds)
            await send({"type": "http.response.start", "status": status,
                        "headers": response_headers})
            while chunk := await asyncio.wait_for(reader.read(CHUNK), self.seconds):
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError) as error:
            raise OwnerUnavailable(f"the back office failed: {error!r}") from error
        finally:
            writer.close()


def _request(method: str, target: str, headers: list[tuple[bytes, bytes]], client: str,
             body: bytes) -> bytes:
    """An HTTP/1.0 request (the owner closes the connection after its answer)."""
    lines = [f"{method} {target} HTTP/1.0".encode("latin-1")]
    lines += [name + b": " + value for name, value in headers
              if name.decode("latin-1").lower() not in HOP_BY_HOP]
    lines += [f"{CLIENT_HEADER}: {client}".encode("latin-1"),
              f"Content-Length: {len(body)}".encode("latin-1")]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


async def _head(reader: asyncio.StreamReader) -> tuple[int, list[tuple[bytes, bytes]]]:
    """The status and the headers (less hop-by-hop ones) of the owner's response."""
    status = int((await reader.readline()).split()[1])
    headers = []
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.rstrip(b"\r\n").partition(b":")
        if name.decode("latin-1").lower() not in HOP_BY_HOP:
            headers.append((name.strip().lower(), value.strip()))
    return status, headers


# -- the owner's side -------------------------------------------------------------------------


def socket_folder() -> Path:
    """A new directory only this user may enter, for the owner's socket."""
    return Path(tempfile.mkdtemp(prefix="yuliao-owner-"))


class LinkedApp:
    """The WSGI application ``app`` as the owner serves it to its workers: the client is
    the one :data:`CLIENT_HEADER` names, and the application is mounted at ``mount``."""

    def __init__(self, app: Callable, mount: str = "") -> None:
        self.app, self.mount = app, mount

    def __call__(self, environ: dict, start_response: Callable):
        client = environ.pop(f"HTTP_{CLIENT_HEADER.upper().replace('-', '_')}", "")
        environ["REMOTE_ADDR"] = client
        environ["SCRIPT_NAME"] = self.mount
        return self.app(environ, start_response)


def serve_on_socket(app: Callable, path: Path, mount: str = "") -> BaseWSGIServer:
    """Serve ``app`` on the Unix socket ``path`` (owner-only) on a daemon thread, one thread
    per request; ``shutdown()`` the returned server to stop it."""
    server = make_server(f"unix://{path}", 0, LinkedApp(app, mount), threaded=True)
    os.chmod(path, 0o600)
    threading.Thread(target=server.serve_forever, name="back-office", daemon=True).start()
    return server


def stop(server: BaseWSGIServer, folder: Path) -> None:
    """Stop serving and remove the socket and its folder."""
    server.shutdown()
    server.server_close()
    for entry in folder.iterdir():
        with contextlib.suppress(OSError):
            entry.unlink()
    with contextlib.suppress(OSError):
        folder.rmdir()
