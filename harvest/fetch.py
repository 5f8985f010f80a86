"""HTTP for harvesting: every request with explicit limits, retried with backoff.

:class:`Fetcher` is the only place the harvester talks to the network. Every request has a
connect and a read timeout, a cap on the body size and on the total time the body may take (a
server that drips bytes forever is cut off), and a cap on redirects. Connection errors,
timeouts, HTTP 429 and 5xx are retried with exponential backoff; a ``Retry-After`` header
(seconds or an HTTP date) is honoured up to :attr:`Limits.max_retry_after`. Other 4xx answers
are returned, not raised: OAI-PMH servers such as Zenodo send their ``<error>`` with HTTP 422,
and the protocol layer reads it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

import requests
from urllib3.exceptions import HTTPError as Urllib3Error

from repository.importer import counted

from .errors import FetchError

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
USER_AGENT = "Yuliao-harvester/0.1 (+https://w3id.org/yuliao)"


@dataclass(frozen=True)
class Limits:
    """The limits of one harvest's requests (seconds and bytes)."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_seconds: float = 300.0
    max_bytes: int = 64 * 1024 * 1024
    max_redirects: int = 5
    retries: int = 4
    backoff: float = 2.0
    max_backoff: float = 120.0
    max_retry_after: float = 3600.0


@dataclass(frozen=True)
class Response:
    """A response read in full: final URL, status, headers and body."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes


class Fetcher:
    """Makes GET requests within :class:`Limits`; ``sleep`` and ``clock`` are injectable so
    that tests can observe the backoff without waiting for it."""

    def __init__(
        self, limits: Limits | None = None, *, session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limits = limits or Limits()
        self.session = session or requests.Session()
        self.session.max_redirects = self.limits.max_redirects
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self._sleep, self._clock = sleep, clock
        self.requests_made = 0

    def get(self, url: str, params: Mapping[str, str] | None = None) -> Response:
        """The response to GET ``url`` with ``params``, after retries.

        Raises FetchError when every attempt failed, the body is too big or too slow, the
        redirects loop, or the server asks to wait longer than ``max_retry_after``.
        """
        attempt = 0
        while True:
            try:
                response = self._attempt(url, params)
            except _Retryable as problem:
                delay = self._delay(attempt, problem.retry_after, problem.where)
                if attempt >= self.limits.retries:
                    raise FetchError(f"gave up after {counted(attempt + 1, 'attempt')}: "
                                     f"{problem}",
                                     url=problem.where, status=problem.status) from problem
                attempt += 1
                self._sleep(delay)
                continue
            return response

    def close(self) -> None:
        self.session.close()

    # -- one attempt -----------------------------------------------------------------------

    def _attempt(self, url: str, params: Mapping[str, str] | None) -> Response:
        where = _describe(url, params)
        self.requests_made += 1
        try:
            raw = self.session.get(
                url, params=params, stream=True, allow_redirects=True,
                timeout=(self.limits.connect_timeout, self.limits.read_timeout),
            )
        except requests.TooManyRedirects as error:
            raise FetchError(f"more than {self.limits.max_redirects} redirects (a loop?)",
                             url=where) from error
        except (requests.ConnectionError, requests.Timeout) as error:
            raise _Retryable(f"connection failed: {_reason(error)}", where) from error
        except requests.RequestException as error:
            raise FetchError(f"request refused: {error}", url=where) from error
        with raw:
            if raw.status_code in RETRY_STATUS:
                raise _Retryable(f"HTTP {raw.status_code}", where, raw.status_code,
                                 raw.headers.get("Retry-After"))
            body = self._read(raw, where)
        return Response(raw.url, raw.status_code, dict(raw.headers), body)

    def _read(self, raw: requests.Response, where: str) -> bytes:
        """The body, read as it arrives, within the size and time limits."""
        declared = raw.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.limits.max_bytes:
            raise FetchError(f"response of {int(declared):,} bytes is over the limit of "
                             f"{self.limits.max_bytes:,} bytes", url=where, status=raw.status_code)
        deadline = self._clock() + self.limits.max_seconds
        chunks, size = [], 0
        try:
            while chunk := raw.raw.read1(65536, decode_content=True):
                size += len(chunk)
                if size > self.limits.max_bytes:
                    raise FetchError(f"response is over the limit of {self.limits.max_bytes:,} "
                                     "bytes", url=where, status=raw.status_code)
                if self._clock() > deadline:
                    raise FetchError(f"response still arriving after {self.limits.max_seconds:g} "
                                     "s (never-ending?)", url=where, status=raw.status_code)
                chunks.append(chunk)
        except (Urllib3Error, OSError) as error:
            raise _Retryable(f"connection dropped while reading: {_reason(error)}",
                             where) from error
        return b"".join(chunks)

    def _delay(self, attempt: int, retry_after: str | None, where: str) -> float:
        """Seconds to wait before the next attempt. Raises FetchError when the server asks
        for longer than ``max_retry_after``."""
        asked = _retry_after_seconds(retry_after)
        if asked is not None:
            if asked > self.limits.max_retry_after:
                raise FetchError(f"server asks to retry after {asked:g} s, more than the "
                                 f"{self.limits.max_retry_after:g} s allowed", url=where)
            return asked
        return min(self.limits.backoff * 2 ** attempt, self.limits.max_backoff)


class _Retryable(Exception):
    """A failure worth another attempt."""

    def __init__(self, message: str, where: str, status: int | None = None,
                 retry_after: str | None = None) -> None:
        super().__init__(message)
        self.where, self.status, self.retry_after = where, status, retry_after


def _retry_after_seconds(value: str | None) -> float | None:
    """A Retry-After header in seconds (delta-seconds or an HTTP date), None when absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe(url: str, params: Mapping[str, str] | None) -> str:
    """The request as one URL, for messages."""
    return requests.Request("GET", url, params=params).prepare().url or url


def _reason(error: BaseException) -> str:
    """The innermost message of a requests/urllib3 error (they nest three deep)."""
    while error.__context__ is not None and not str(error):
        error = error.__context__
    text = str(error)
    return text if len(text) <= 200 else text[:197] + "..."
