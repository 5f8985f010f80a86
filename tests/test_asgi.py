"""The buffering ASGI adapter ``yuliao serve`` puts in front of the Flask application: the
WSGI environ it builds, bodies read whole within their limits, and the order and patience of
requests waiting for a thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable

import pytest

from endpoints.asgi import Admission, BufferedApp, Limits, environ, is_cached_kind, is_light


def scope(path: str = "/", query: bytes = b"", method: str = "GET",
          headers: Iterable[tuple[bytes, bytes]] = (), raw: bytes | None = None) -> dict:
    return {"type": "http", "method": method, "path": path, "query_string": query,
            "raw_path": raw, "headers": list(headers), "server": ("127.0.0.1", 8000),
            "client": ("10.0.0.7", 51000), "http_version": "1.1", "scheme": "http"}


def test_the_environ_decodes_the_path_once_and_keeps_it_raw_beside() -> None:
    env = environ(scope("/record/a:b%3Ac", raw=b"/record/a:b%253Ac", query=b"format=ttl",
                        headers=[(b"accept", b"text/turtle"), (b"x-forwarded-for", b"1.2.3.4"),
                                 (b"x-forwarded-for", b"5.6.7.8"),
                                 (b"content-type", b"text/plain")]), b"body")
    assert env["PATH_INFO"] == "/record/a:b%3Ac"
    assert env["RAW_URI"] == "/record/a:b%253Ac?format=ttl"
    assert env["QUERY_STRING"] == "format=ttl" and env["REMOTE_ADDR"] == "10.0.0.7"
    assert env["HTTP_X_FORWARDED_FOR"] == "1.2.3.4, 5.6.7.8"
    assert env["CONTENT_TYPE"] == "text/plain" and env["HTTP_ACCEPT"] == "text/turtle"
    assert env["wsgi.input"].read() == b"body"


@pytest.mark.parametrize("path", ["/yuliao/record/00001174", "/record/00001174"])
def test_an_application_mounted_under_a_path_gets_it_as_its_script_name(path: str) -> None:
    env = environ(scope(path, raw=path.encode()), b"", mount="/yuliao")
    assert (env["SCRIPT_NAME"], env["PATH_INFO"]) == ("/yuliao", "/record/00001174")


def test_a_non_ascii_path_reaches_wsgi_as_latin_1_text_of_its_utf_8_bytes() -> None:
    env = environ(scope("/record/語", raw=b"/record/%E8%AA%9E"), b"")
    assert env["PATH_INFO"].encode("latin-1").decode("utf-8") == "/record/語"


@pytest.mark.parametrize(("request_scope", "light"), [
    (scope("/oai", b"verb=Identify"), True), (scope("/oai", b"verb=GetRecord&x=1"), True),
    (scope("/static/yuliao.css"), True), (scope("/oai", b"verb=ListRecords"), False),
    (scope("/oai", b"verb=Identify&verb=Identify"), False),
    (scope("/oai", b"verb=Identify", method="POST"), False), (scope("/sparql"), False),
])
def test_light_requests_are_the_cheap_protocol_verbs_and_static_files(request_scope: dict,
                                                                     light: bool) -> None:
    assert is_light(request_scope) is light


def call(app: BufferedApp, request_scope: dict, parts: list[bytes], delay: float = 0.0
         ) -> list[dict]:
    """The messages ``app`` sends for a request whose body comes in ``parts``."""
    sent: list[dict] = []

    async def receive() -> dict:
        await asyncio.sleep(delay)
        part = parts.pop(0) if parts else b""
        return {"type": "http.request", "body": part, "more_body": bool(parts)}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(request_scope, receive, send))
    return sent


def echo(env: dict, start_response) -> list[bytes]:
    body = env["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"got " + body]


def test_a_body_is_read_whole_before_the_application_sees_it() -> None:
    sent = call(BufferedApp(echo), scope(method="POST"), [b"ver", b"b=Iden", b"tify"])
    assert sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"got verb=Identify"


def test_a_declared_body_over_the_limit_is_413_without_reading_it() -> None:
    parts = [b"x" * 10]
    sent = call(BufferedApp(echo, Limits(body_bytes=100)),
                scope(method="POST", headers=[(b"content-length", b"50000000")]), parts)
    assert sent[0]["status"] == 413 and parts == [b"x" * 10]


def test_an_undeclared_body_is_cut_at_the_limit_with_413() -> None:
    sent = call(BufferedApp(echo, Limits(body_bytes=100)), scope(method="POST"),
                [b"x" * 60, b"x" * 60])
    assert sent[0]["status"] == 413


def test_a_body_that_comes_too_slowly_is_408() -> None:
    sent = call(BufferedApp(echo, Limits(body_seconds=0.2)), scope(method="POST"),
                [b"a", b"b", b"c"], delay=0.15)
    assert sent[0]["status"] == 408
    assert b"did not arrive within 0.2 s" in sent[1]["body"]


def test_waiting_requests_go_in_in_the_order_they_came() -> None:
    async def scenario() -> list[str]:
        admission, order = Admission(1, patience=5), []
        assert await admission.enter()

        async def wait(name: str) -> None:
            assert await admission.enter()
            order.append(name)
            admission.leave()

        waiting = [asyncio.create_task(wait(name)) for name in ("first", "second", "third")]
        await asyncio.sleep(0.01)
        admission.leave()
        await asyncio.gather(*waiting)
        return order

    assert asyncio.run(scenario()) == ["first", "second", "third"]


def test_a_request_that_waits_past_its_patience_is_turned_away_and_leaves_no_place() -> None:
    async def scenario() -> tuple[bool, bool, int]:
        admission = Admission(1, patience=0.05)
        assert await admission.enter()
        refused = await admission.enter()
        admission.leave()
        return refused, await admission.enter(), admission.free

    assert asyncio.run(scenario()) == (False, True, 0)


def test_a_busy_server_answers_503_with_retry_after_once_the_wait_is_over() -> None:
    release = threading.Event()

    def slow(env: dict, start_response) -> list[bytes]:
        release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"done"]

    app = BufferedApp(slow, Limits(threads=1, queue_seconds=0.2))

    async def scenario() -> list[list[dict]]:
        outcomes: list[list[dict]] = [[], []]

        async def one(index: int) -> None:
            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict) -> None:
                outcomes[index].append(message)

            await app(scope("/agency/A29000000G"), receive, send)

        first = asyncio.create_task(one(0))
        await asyncio.sleep(0.05)
        await one(1)
        release.set()
        await first
        return outcomes

    held, turned_away = asyncio.run(scenario())
    assert held[0]["status"] == 200
    assert turned_away[0]["status"] == 503
    assert (b"retry-after", b"5") in turned_away[0]["headers"]


def test_identify_is_answered_while_every_thread_is_busy() -> None:
    release = threading.Event()

    def application(env: dict, start_response) -> list[bytes]:
        if env["PATH_INFO"] != "/oai":
            release.wait(5)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [env["QUERY_STRING"].encode()]

    app = BufferedApp(application, Limits(threads=1, queue_seconds=5))

    async def scenario() -> tuple[list[dict], bool]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        async def discard(message: dict) -> None:
            pass

        busy = asyncio.create_task(app(scope("/agency/A29000000G"), receive, discard))
        await asyncio.sleep(0.05)
        await asyncio.wait_for(app(scope("/oai", b"verb=Identify"), receive, send), 1)
        still_busy = not busy.done()
        release.set()
        await busy
        return sent, still_busy

    sent, still_busy = asyncio.run(scenario())
    assert still_busy and sent[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in sent[1:]) == b"verb=Identify"


def test_a_request_whose_client_left_while_waiting_takes_no_place() -> None:
    async def scenario() -> bool:
        admission = Admission(1, patience=5)
        assert await admission.enter()
        gone = asyncio.create_task(admission.enter())
        await asyncio.sleep(0.01)
        gone.cancel()  # the client leaves while it waits
        with contextlib.suppress(asyncio.CancelledError):
            await gone
        admission.leave()
        return await asyncio.wait_for(admission.enter(), 1)

    assert asyncio.run(scenario()) is True


# -- pages from the page cache, answered on the event loop -------------------------------------


@pytest.mark.parametrize(("method", "path", "cached_kind"), [
    ("GET", "/", True), ("HEAD", "/search", True), ("GET", "/record/00001174", False),
    ("GET", "/catalog", False), ("POST", "/search", False), ("GET", "/sparql", False),
    ("GET", "/agency/A29000000G", False)])
def test_the_cached_kinds_are_the_pages_the_application_caches(method, path, cached_kind):
    assert is_cached_kind(method, path) is cached_kind


def test_a_cached_page_is_sent_while_every_thread_is_busy_and_another_waits() -> None:
    from app import create_app
    from tests.oai_support import demo_in_memory

    release = threading.Event()
    with demo_in_memory() as repository:
        flask_app = create_app(repository=repository)

        def application(env: dict, start_response) -> Iterable[bytes]:
            if env["PATH_INFO"] == "/slow":
                release.wait(5)
            return flask_app(env, start_response)

        app = BufferedApp(application, Limits(threads=1, queue_seconds=5))

        async def ask(path: str, query: bytes = b"") -> list[dict]:
            sent: list[dict] = []

            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: dict) -> None:
                sent.append(message)

            await app(scope(path, query), receive, send)
            return sent

        async def scenario() -> tuple[list[dict], list[dict], bool, list[dict]]:
            first = await ask("/")  # built on a thread, kept in the page cache
            busy = asyncio.create_task(ask("/slow"))
            await asyncio.sleep(0.05)
            again = await asyncio.wait_for(ask("/"), 1)
            uncached = asyncio.create_task(ask("/search", "q=語料".encode()))
            await asyncio.sleep(0.3)
            waited = not uncached.done()
            release.set()
            await busy
            return first, again, waited, await uncached

        first, again, waited, searched = asyncio.run(scenario())
    body = b"".join(m.get("body", b"") for m in first[1:])
    assert first[0]["status"] == again[0]["status"] == 200
    assert b"".join(m.get("body", b"") for m in again[1:]) == body
    assert waited and searched[0]["status"] == 200  # not cached: it waited for the thread


def test_a_sparql_query_has_its_own_line_and_holds_none_of_the_page_threads() -> None:
    release = threading.Event()

    def application(env: dict, start_response) -> list[bytes]:
        if env["PATH_INFO"] == "/sparql":
            release.wait(5)  # a long query: its thread waits for the query process
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [env["PATH_INFO"].encode()]

    app = BufferedApp(application, Limits(threads=1, waiting_threads=2, queue_seconds=5))

    async def ask(path: str) -> list[dict]:
        sent: list[dict] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            sent.append(message)

        await app(scope(path), receive, send)
        return sent

    async def scenario() -> tuple[list[dict], bool]:
        queries = [asyncio.create_task(ask("/sparql")) for _ in range(2)]
        await asyncio.sleep(0.05)
        page = await asyncio.wait_for(ask("/agency/A29000000G"), 1)
        held = not any(query.done() for query in queries)
        release.set()
        await asyncio.gather(*queries)
        return page, held

    page, held = asyncio.run(scenario())
    assert held and page[0]["status"] == 200
