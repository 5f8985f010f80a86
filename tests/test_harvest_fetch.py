"""The harvester's HTTP layer against a real local server: limits, retries and backoff."""

from __future__ import annotations

import pytest

from harvest.errors import FetchError
from harvest.fetch import Fetcher, Limits
from tests.harvest_server import Reply, serving

OK = Reply(b"<OAI-PMH/>")


def fetcher(**limits) -> tuple[Fetcher, list[float]]:
    """A fetcher whose sleeps are recorded instead of waited."""
    waits: list[float] = []
    return Fetcher(Limits(**limits), sleep=waits.append), waits


def test_a_plain_get_returns_status_headers_and_body() -> None:
    with serving() as server:
        server.route("/oai", OK)
        response = fetcher()[0].get(f"{server.base}/oai", {"verb": "Identify"})
    assert (response.status, response.body) == (200, b"<OAI-PMH/>")
    assert server.seen == [("/oai", {"verb": "Identify"})]


def test_a_503_with_retry_after_is_waited_for_then_retried() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"busy", 503, {"Retry-After": "7"}), OK)
        client, waits = fetcher()
        assert client.get(f"{server.base}/oai").body == b"<OAI-PMH/>"
    assert waits == [7.0]
    assert len(server.seen) == 2


def test_5xx_without_retry_after_backs_off_exponentially_then_gives_up() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"oops", 500, {}))
        client, waits = fetcher(retries=3, backoff=1.5)
        with pytest.raises(FetchError, match="gave up after 4 attempts: HTTP 500") as caught:
            client.get(f"{server.base}/oai", {"verb": "ListRecords"})
    assert waits == [1.5, 3.0, 6.0]
    assert caught.value.status == 500
    assert "verb=ListRecords" in str(caught.value)


def test_a_retry_after_beyond_the_limit_fails_at_once_with_the_reason() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"later", 503, {"Retry-After": "86400"}))
        client, waits = fetcher(max_retry_after=3600)
        with pytest.raises(FetchError, match="retry after 86400 s"):
            client.get(f"{server.base}/oai")
    assert waits == []


def test_an_oai_error_sent_with_http_422_is_returned_not_raised() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"<error code='badResumptionToken'/>", 422))
        response = fetcher()[0].get(f"{server.base}/oai")
    assert response.status == 422 and b"badResumptionToken" in response.body


def test_a_connection_dropped_mid_body_is_retried() -> None:
    with serving() as server:
        body = b"<OAI-PMH>" + b"x" * 5000 + b"</OAI-PMH>"
        server.route("/oai", Reply(body, drop_after=100), Reply(body))
        client, waits = fetcher(backoff=0.5)
        assert client.get(f"{server.base}/oai").body == body
    assert waits == [0.5]


def test_a_read_timeout_is_retried_then_reported() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"late", delay=0.6))
        client, waits = fetcher(read_timeout=0.2, retries=1)
        with pytest.raises(FetchError, match="gave up after 2 attempts: connection failed"):
            client.get(f"{server.base}/oai")
    assert waits == [2.0]


def test_a_refused_connection_is_reported_after_the_retries() -> None:
    with serving() as server:
        base = server.base
    client, waits = fetcher(retries=2, connect_timeout=0.5)
    with pytest.raises(FetchError, match="connection failed"):
        client.get(f"{base}/oai")
    assert len(waits) == 2


def test_a_body_over_the_size_limit_is_refused_by_its_declared_length() -> None:
    with serving() as server:
        server.route("/oai", Reply(b"x" * 2048))
        with pytest.raises(FetchError, match="2,048 bytes is over the limit of 1,024"):
            fetcher(max_bytes=1024)[0].get(f"{server.base}/oai")


def test_a_never_ending_response_is_cut_off_at_the_time_limit() -> None:
    with serving() as server:
        server.route("/oai", Reply(drip=True))
        with pytest.raises(FetchError, match="still arriving after 0.5 s"):
            fetcher(max_seconds=0.5, max_bytes=10 ** 10)[0].get(f"{server.base}/oai")


def test_a_never_ending_response_is_cut_off_at_the_size_limit_when_that_comes_first() -> None:
    with serving() as server:
        server.route("/oai", Reply(drip=True, declare_length=False))
        with pytest.raises(FetchError, match="over the limit of 5 bytes"):
            fetcher(max_bytes=5, max_seconds=30)[0].get(f"{server.base}/oai")


def test_a_redirect_loop_is_stopped_with_a_clear_error() -> None:
    with serving() as server:
        server.route("/a", Reply(status=302, headers={"Location": "/b"}))
        server.route("/b", Reply(status=302, headers={"Location": "/a"}))
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher(max_redirects=3)[0].get(f"{server.base}/a")
