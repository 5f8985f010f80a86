"""Abuse limits: request body caps on every route, per-client rate limits on /oai, /sparql and
the back office's sign-ins.

**Bodies.** Every request may carry at most ``[limits] max_body`` bytes, a request to /oai
``[limits.oai] max_body`` and one to /sparql ``[limits.sparql] max_body``. A request whose
``Content-Length`` is over its cap is answered 413 before anything reads the body. A body
sent without a length (chunked, through a server that ends the input itself) is read up to
one byte over the cap: more is 413, less is handed on as a body of that length. (Werkzeug's
own bound, ``request.max_content_length``, which is set as well, would cut such a body at the
cap without a word.)

**Rates.** Each client of /oai, of /sparql and of the sign-ins (``signin``: a POST to /login
or /apply, which each cost an Argon2id hash) has a token bucket: ``rate`` tokens a second
up to ``burst``; a request takes one, and a request that finds none is answered 429 with
``Retry-After`` (the whole seconds until a token is there). The client is the remote
address; when that is one of ``[limits] trusted_proxies`` (an nginx in front, or a load
generator), the address that proxy names in ``X-Forwarded-For`` is (walking right to left
past trusted proxies). IPv6 clients are counted per /64, the block one subscriber gets.

Buckets live in this process, at most ``[limits] clients`` per service: a bucket that has
filled up again is forgotten (a new one would be the same), and beyond the bound the least
recently seen client is. With several worker processes each counts on its own, so a client
may get up to ``workers`` times the rate.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from ipaddress import IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from repository.config import LimitSettings, ServiceLimits

TEXT = "text/plain; charset=utf-8"
#: The services with limits of their own (the name of their ``[limits.…]`` table): two
#: blueprints, and the POSTs of :data:`SIGNIN_ENDPOINTS`.
SERVICES = ("oai", "sparql", "signin")
SIGNIN_ENDPOINTS = ("admin.login", "admin.apply")
EXTENSION = "yuliao.limits"
Networks = Iterable[IPv4Network | IPv6Network]


class TokenBuckets:
    """One token bucket per client: ``rate`` tokens a second up to ``burst``, at most
    ``max_clients`` buckets kept. Thread-safe; ``clock`` gives seconds (monotonic)."""

    def __init__(self, rate: float, burst: int, max_clients: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self.max_clients = max_clients
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, when
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Takes a token of ``client``: 0.0 when there was one, else the seconds until there
        is one (nothing is taken)."""
        now = self.clock()
        with self._lock:
            self._forget(now)
            tokens, then = self._buckets.pop(client, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - then) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1 if wait == 0.0 else tokens, now)
            return wait

    def _forget(self, now: float) -> None:
        """Drops the least recently seen buckets while they have filled up again, and beyond
        ``max_clients - 1`` in any case (room for the one being taken from)."""
        while self._buckets:
            client, (tokens, then) = next(iter(self._buckets.items()))
            full = tokens + (now - then) * self.rate >= self.burst
            if not full and len(self._buckets) < self.max_clients:
                return
            del self._buckets[client]

    def __len__(self) -> int:
        return len(self._buckets)


def client_address(remote: str | None, forwarded: list[str], trusted: Networks) -> str:
    """Who a request comes from: ``remote`` (the peer's address), or, while the address so
    far is a trusted proxy, the address before it in ``X-Forwarded-For`` (``forwarded``, its
    comma-separated entries in order). IPv6 addresses are reduced to their /64."""
    networks = tuple(trusted)
    address = (remote or "").strip()
    for hop in reversed(forwarded):
        if not _is_trusted(address, networks):
            break
        address = hop.strip()
    return _client_key(address)


def _is_trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def _client_key(address: str) -> str:
    """The address as the key of its bucket: IPv4 as it is, IPv6 as its /64 (an IPv4-mapped
    IPv6 address as the IPv4 address); anything else as given."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address
    if not isinstance(parsed, IPv6Address):
        return str(parsed)
    if parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ip_network(f"{parsed}/64", strict=False))


class Limiter:
    """The body caps and rate limits of one application (``[limits]``); ``clock`` gives
    seconds to the token buckets."""

    def __init__(self, settings: LimitSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.buckets = {
            name: TokenBuckets(limits.rate, limits.burst, settings.clients, clock)
            for name in SERVICES if (limits := self.service(name)).limited}

    def service(self, name: str) -> ServiceLimits:
        return getattr(self.settings, name)

    def check(self) -> Response | None:
        """Before each request: 429 for a client over its rate, 413 for a declared body over
        the route's cap (which also bounds a body sent without a length); None to go on."""
        name = service_of_request()
        buckets = self.buckets.get(name) if name else None
        if buckets is not None:
            client = requesting_client()
            wait = buckets.take(client)
            if wait > 0:
                return too_many(self.service(name), name, client, wait)
        cap = request.max_content_length = self.body_cap(name)
        length = request.content_length
        if length is not None and length > cap:
            return too_large()
        if _chunked() and not _read_unsized_body(request.environ, cap):
            return too_large()
        return None

    def body_cap(self, service: str | None) -> int:
        """The largest body a request to ``service`` (None: any other route) may carry."""
        return self.service(service).max_body if service else self.settings.max_body


def service_of_request() -> str | None:
    """The limited service this request is to (None for any other route)."""
    if request.blueprint in ("oai", "sparql"):
        return request.blueprint
    if request.method == "POST" and request.endpoint in SIGNIN_ENDPOINTS:
        return "signin"
    return None


def _chunked() -> bool:
    """True for a request whose body comes chunked through a server that ends the input
    itself (``wsgi.input_terminated``); the body of any other request without
    Content-Length is empty, or not read by werkzeug at all."""
    encoding = request.headers.get("Transfer-Encoding", "").lower()
    return "chunked" in encoding and bool(request.environ.get("wsgi.input_terminated"))


def _read_unsized_body(environ: dict, cap: int) -> bool:
    """Reads a body without Content-Length from ``wsgi.input``, at most ``cap`` + 1 bytes.
    False when it is longer than ``cap``; else True, and the request now has that body with
    its length (a Content-Length, no Transfer-Encoding)."""
    stream, parts, size = environ["wsgi.input"], [], 0
    while size <= cap:
        part = stream.read(cap + 1 - size)
        if not part:
            break
        parts.append(part)
        size += len(part)
    if size > cap:
        return False
    environ["wsgi.input"] = io.BytesIO(b"".join(parts))
    environ["CONTENT_LENGTH"] = str(size)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    environ.pop("wsgi.input_terminated", None)
    return True


def requesting_client() -> str:
    """Who this request comes from (:func:`client_address` under the application's
    ``[limits] trusted_proxies``): what rate limits count and SPARQL queries are queued by."""
    limiter: Limiter = current_app.extensions[EXTENSION]
    return client_address(request.remote_addr, _forwarded_for(),
                          limiter.settings.trusted_proxies)


def _forwarded_for() -> list[str]:
    """The addresses of every ``X-Forwarded-For`` header, in order (empty entries left out)."""
    hops = ",".join(request.headers.getlist("X-Forwarded-For")).split(",")
    return [hop.strip() for hop in hops if hop.strip()]


def too_many(limits: ServiceLimits, service: str, client: str, wait: float) -> Response:
    """429 Too Many Requests naming the limit, with Retry-After in whole seconds."""
    seconds = max(1, math.ceil(wait))
    return Response(
        f"too many requests to {_named(service)} from {client}: at most {limits.rate:g} a second "
        f"in bursts of up to {limits.burst} (limits.{service}.rate, limits.{service}.burst); "
        f"retry after {seconds} s\n", 429, content_type=TEXT,
        headers={"Retry-After": str(seconds)})


def _named(service: str) -> str:
    return "sign in" if service == "signin" else f"/{service}"


def too_large(error: RequestEntityTooLarge | None = None) -> Response:
    """413 Content Too Large naming the cap of the route and its setting."""
    service = service_of_request()
    limiter: Limiter = current_app.extensions[EXTENSION]
    key = f"limits.{service}.max_body" if service else "limits.max_body"
    where = _named(service) if service else "this server"
    size = f"of {request.content_length} bytes " if request.content_length else ""
    return Response(f"the request body {size}is larger than the {limiter.body_cap(service)} "
                    f"bytes {where} accepts ({key})\n", 413, content_type=TEXT)


def install(app: Flask, settings: LimitSettings) -> Limiter:
    """Enforces ``settings`` on every request of ``app``; returns the limiter."""
    limiter = app.extensions[EXTENSION] = Limiter(settings)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    app.before_request(limiter.check)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    return limiter
