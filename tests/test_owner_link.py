"""The back office's requests, passed by a web worker of ``yuliao serve`` to the owner process
over a Unix socket (endpoints/owner_link.py): what reaches the owner, what comes back, and
what happens when the owner is not there."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from endpoints.asgi import BufferedApp, Limits
from endpoints.owner_link import OwnerLink, owned, serve_on_socket, socket_folder, stop


def owner_app(environ: dict, start_response) -> list[bytes]:
    """What the owner saw of a request, as JSON (a long body too, to cross several reads)."""
    seen = {name: environ.get(name, "") for name in (
        "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "REMOTE_ADDR",
        "HTTP_COOKIE", "HTTP_X_YULIAO_CLIENT", "CONTENT_TYPE")}
    seen["body"] = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)).decode()
    payload = json.dumps(seen).encode() + b" " * 200_000
    start_response("201 Created", [("Content-Type", "application/json"),
                                   ("Set-Cookie", "session=abc; HttpOnly"),
                                   ("Content-Length", str(len(payload)))])
    return [payload]


def worker_app(environ: dict, start_response) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"the worker"]


@pytest.fixture
def owner() -> Iterator[Path]:
    folder = socket_folder()
    socket = folder / "owner.sock"
    server = serve_on_socket(owner_app, socket, mount="/yuliao")
    yield socket
    stop(server, folder)


def call(app: BufferedApp, method: str, path: bytes, query: bytes = b"", body: bytes = b"",
         headers: list[tuple[bytes, bytes]] | None = None) -> tuple[int, dict, bytes]:
    sent: list[dict] = []
    parts = [body]

    async def receive() -> dict:
        return {"type": "http.request", "body": parts.pop() if parts else b"",
                "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path.decode(), "raw_path": path,
             "query_string": query, "headers": headers or [], "client": ("10.1.2.3", 4000),
             "server": ("127.0.0.1", 8000), "scheme": "http", "http_version": "1.1"}
    asyncio.run(app(scope, receive, send))
    return (sent[0]["status"], dict(sent[0]["headers"]),
            b"".join(m.get("body", b"") for m in sent[1:]))


def linked(socket: Path) -> BufferedApp:
    return BufferedApp(worker_app, Limits(mount="/yuliao"), owner=OwnerLink(str(socket), 5))


@pytest.mark.parametrize(("path", "expected"), [
    ("/admin", True), ("/admin/records/00001174", True), ("/login", True), ("/logout", True),
    ("/apply", True),
    ("/administer", False), ("/record/00001174", False), ("/", False)])
def test_the_back_office_paths_are_the_owners(path: str, expected: bool) -> None:
    assert owned(path) is expected


def test_a_back_office_request_reaches_the_owner_as_the_worker_received_it(owner) -> None:
    status, headers, body = call(
        linked(owner), "POST", b"/yuliao/admin/records/a%3Ab", b"page=2", b"title=%E8%AA%9E",
        headers=[(b"cookie", b"session=xyz"), (b"x-yuliao-client", b"6.6.6.6"),
                 (b"content-type", b"application/x-www-form-urlencoded")])
    seen = json.loads(body.decode().strip())
    assert status == 201 and headers[b"set-cookie"] == b"session=abc; HttpOnly"
    assert (seen["REQUEST_METHOD"], seen["SCRIPT_NAME"], seen["PATH_INFO"],
            seen["QUERY_STRING"]) == ("POST", "/yuliao", "/admin/records/a:b", "page=2")
    assert seen["REMOTE_ADDR"] == "10.1.2.3"  # what the worker saw, not what the client said
    assert seen["HTTP_X_YULIAO_CLIENT"] == "" and seen["HTTP_COOKIE"] == "session=xyz"
    assert seen["body"] == "title=%E8%AA%9E"
    assert len(body) > 200_000


def test_other_requests_stay_with_the_worker(owner) -> None:
    assert call(linked(owner), "GET", b"/yuliao/record/00001174")[2] == b"the worker"


def test_a_back_office_request_without_an_owner_is_503_with_retry_after(tmp_path) -> None:
    app = BufferedApp(worker_app, owner=OwnerLink(str(tmp_path / "nobody.sock"), 1))
    status, headers, body = call(app, "GET", b"/login")
    assert status == 503 and headers[b"retry-after"] == b"5"
    assert body.startswith(b"the back office is not reachable")
