"""A bounded in-process cache of rendered pages, keyed on what a page is made of.

A record page (any variant: HTML, Turtle, JSON-LD…) depends only on the record's public
revision, which its datestamp identifies: datestamps are strictly increasing per record and
set on every public change. So a page cached under (id, variant, datestamp) is valid for as
long as the dissemination index gives the record that datestamp, and a request that finds it
costs one index lookup instead of a store read and a rendering. Entries are evicted least
recently used first, beyond :data:`MAX_ENTRIES` pages or :data:`MAX_BYTES` bytes of bodies.
Pages of the DCAT catalogue are kept the same way under the index's version
(:func:`built_once`).

A request may ask to be answered from the cache only (:data:`CACHED_ONLY` in its WSGI
environ): :class:`endpoints.asgi.BufferedApp` asks so on its event loop for the pages it knows
are cached this way, and sends a page found at once, without waiting for a thread behind
pages that must be built; a page not cached raises :class:`NotCached`, answered 204 with
:data:`NOT_CACHED` (the request then goes the usual way).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, request

from .conditional import Validators

MAX_ENTRIES = 1024
MAX_BYTES = 32 << 20
#: Where an application keeps its cache (``app.extensions``).
PAGES = "yuliao.pages"

#: WSGI environ key of a request to be answered from the cache only, and the header of the
#: answer when the page is not there.
CACHED_ONLY = "yuliao.cached_only"
NOT_CACHED = "X-Yuliao-Not-Cached"


class NotCached(Exception):
    """The page is not in the cache, and this request may not build it."""


def only_cached() -> bool:
    """True when this request is to be answered from the cache only."""
    return bool(request.environ.get(CACHED_ONLY))


def install(app: Flask) -> None:
    """The application's cache, and the answer to :class:`NotCached`."""
    app.extensions[PAGES] = PageCache()
    app.register_error_handler(NotCached, lambda _: Response(status=204,
                                                             headers={NOT_CACHED: "1"}))


#: What a page is cached under: for a record (local id, variant, datestamp, script root);
#: other pages name what they depend on in a tuple of their own.
PageKey = tuple


@dataclass(frozen=True)
class CachedPage:
    """A 200 response as it was built: body, content type, headers, validators."""

    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...]
    validators: Validators | None = None


class PageCache:
    """Rendered pages under their :data:`PageKey`, at most ``max_entries`` of them and
    ``max_bytes`` of bodies; thread-safe. ``hits`` and ``misses`` count lookups."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        self._pages: OrderedDict[PageKey, CachedPage] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: PageKey) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                self.misses += 1
                return None
            self.hits += 1
            self._pages.move_to_end(key)
            return page

    def put(self, key: PageKey, page: CachedPage) -> None:
        """Keeps ``page`` (not when its body alone is over a quarter of ``max_bytes``),
        evicting the least recently used pages beyond the bounds."""
        if len(page.body) > self.max_bytes // 4:
            return
        with self._lock:
            previous = self._pages.pop(key, None)
            if previous is not None:
                self._bytes -= len(previous.body)
            self._pages[key] = page
            self._bytes += len(page.body)
            while len(self._pages) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._pages.popitem(last=False)
                self._bytes -= len(evicted.body)

    def __len__(self) -> int:
        return len(self._pages)


def built_once(cache: PageCache, key: PageKey, build: Callable[[], Response],
               kept_headers: tuple[str, ...] = ("Vary",)) -> Response:
    """The response cached under ``key``, else the one ``build`` makes (kept when it is a
    200, with its ``kept_headers``): for pages that depend on nothing but what ``key`` names,
    such as a page of the catalogue under the index's version. Raises NotCached when it is
    not cached and the request is to be answered from the cache only."""
    found = cache.get(key)
    if found is not None:
        return Response(found.body, content_type=found.content_type, headers=list(found.headers))
    if only_cached():
        raise NotCached(key)
    response = build()
    if response.status_code == 200:
        headers = tuple((name, value) for name, value in response.headers.items()
                        if name in kept_headers)
        cache.put(key, CachedPage(response.get_data(), response.content_type, headers))
    return response
