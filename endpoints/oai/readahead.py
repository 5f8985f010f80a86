"""Read-ahead for list requests: the next page is prepared while the harvester reads this one.

A harvester asks for page k + 1 only once it has parsed page k and found its resumptionToken,
so a provider that starts on a page when its request arrives makes the harvester wait for it
every time: client and server work strictly in turn. Once page k is sent, :class:`ReadAhead`
prepares page k + 1 on one background thread and keeps it, keyed by its token, until the
harvester asks (a one-shot entry).

A prepared page is served only while it is still what a fresh answer would be: each entry
carries the index's :meth:`~repository.disseminations.Disseminations.generation` from before
it was read, and an entry whose generation differs from the index's now (any write since, by
this process or another) is thrown away and the page is read again. The token is redeemed
(signature, expiry) for every request as before; only the reading of rows is saved.

Limits: at most ``capacity`` pages and ``max_bytes`` of them held, each for ``ttl`` seconds
(a harvester that stops leaves nothing behind for long); at most ``backlog`` pages waiting
to be prepared (a busy server skips reading ahead rather than queueing work nobody may ask
for). In a server of several processes a request may reach another process than the one that
prepared its page; it is then answered the usual way.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

#: A page's parts: the body fragments and the token that continues it ("" when none).
Page = tuple[list[bytes], str]


@dataclass(frozen=True)
class Prepared:
    """A page read ahead: its parts, the index generation it was read at, when it expires."""

    page: Page
    generation: Hashable
    expires: float
    size: int


class ReadAhead:
    """Pages prepared ahead of their requests, keyed by the resumption token that asks for
    them. Thread-safe; the preparing runs on one thread of its own."""

    def __init__(self, capacity: int = 16, max_bytes: int = 32 * 2**20, ttl: float = 60.0,
                 backlog: int = 2) -> None:
        self.capacity, self.max_bytes, self.ttl, self.backlog = capacity, max_bytes, ttl, backlog
        self._entries: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()
        self._pending: set[str] = set()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="oai-read-ahead")
        self.hits = self.misses = 0

    def take(self, token: str, generation: Hashable) -> Page | None:
        """The page prepared for ``token`` if it was read at ``generation`` and has not
        expired (it is removed either way); None otherwise."""
        with self._lock:
            entry = self._entries.pop(token, None)
            fresh = (entry is not None and entry.generation == generation
                     and entry.expires > time.monotonic())
            self.hits, self.misses = self.hits + fresh, self.misses + (not fresh)
            return entry.page if fresh else None

    def prepare(self, token: str, generation: Callable[[], Hashable],
                read: Callable[[], Page]) -> bool:
        """Schedules ``read()`` for ``token`` on the read-ahead thread, noting ``generation()``
        taken just before it reads. False when the backlog is full or ``token`` is already
        prepared or pending."""
        with self._lock:
            if token in self._pending or token in self._entries or \
                    len(self._pending) >= self.backlog:
                return False
            self._pending.add(token)
        self._executor.submit(self._prepare, token, generation, read)
        return True

    def _prepare(self, token: str, generation: Callable[[], Hashable],
                 read: Callable[[], Page]) -> None:
        try:
            seen = generation()
            page = read()
        except Exception:  # the request for this page will read it again and report it
            page = None
        with self._lock:
            self._pending.discard(token)
            if page is not None:
                self._keep(token, Prepared(page, seen, time.monotonic() + self.ttl,
                                           sum(map(len, page[0]))))

    def _keep(self, token: str, entry: Prepared) -> None:
        """Adds ``entry``, dropping the expired and then the oldest beyond the limits."""
        now = time.monotonic()
        for old in [key for key, kept in self._entries.items() if kept.expires <= now]:
            del self._entries[old]
        self._entries[token] = entry
        while len(self._entries) > self.capacity or \
                sum(kept.size for kept in self._entries.values()) > self.max_bytes:
            self._entries.popitem(last=False)

    def wait(self, timeout: float = 5.0) -> bool:
        """Blocks until nothing is pending (for tests and shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if not self._pending:
                    return True
            time.sleep(0.001)
        return False

    def close(self) -> None:
        """Stops the read-ahead thread after the page it is preparing; drops every entry."""
        self._executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            self._entries.clear()
            self._pending.clear()
