"""Queries on a store in this process's memory, which no other process can read: run on a
bounded pool of threads (tests and ``in_memory`` repositories; a served home uses processes).

The deadline is checked between solutions, which stops a streaming query; a blocking operator
keeps its thread until Oxigraph gives its first solution, so at most ``workers`` such queries
run and others never wait on them beyond their own time limit.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from ..config import SparqlSettings
from ..sparql import Answer, Dataset, Evaluator, QueryLimits, QueryTimeout, check_read_only
from ..store import past_time_limit

#: Seconds a request waits beyond the time limit for a worker to report its timeout.
GRACE_S = 0.5


class ThreadRunner:
    """An Evaluator running queries on ``store`` in ``settings.workers`` threads."""

    def __init__(self, store: Evaluator, settings: SparqlSettings) -> None:
        self.store, self.settings = store, settings
        self._pool = ThreadPoolExecutor(max_workers=settings.workers,
                                        thread_name_prefix="sparql")
        self._slots = threading.BoundedSemaphore(settings.workers)

    def evaluate(self, query: str, *, limits: QueryLimits,
                 dataset: Dataset | None = None) -> Answer:
        """The answer within ``limits`` (waiting for a thread included). Raises QueryRefused
        at once for an update, QueryTimeout, and what the store raises."""
        check_read_only(query)
        deadline = time.monotonic() + limits.seconds
        if not self._slots.acquire(timeout=limits.seconds):
            raise QueryTimeout(f"all {self.settings.workers} query workers stayed busy for the "
                               f"time limit of {limits.seconds:g} s; try again later")
        try:
            future = self._pool.submit(self._evaluate, query, dataset, deadline, limits)
        except RuntimeError:
            self._slots.release()
            raise
        try:
            return future.result(timeout=max(0.0, deadline - time.monotonic()) + GRACE_S)
        except (FutureTimeout, QueryTimeout):
            raise past_time_limit(limits) from None

    def _evaluate(self, query: str, dataset: Dataset | None, deadline: float,
                  limits: QueryLimits) -> Answer:
        try:
            left = QueryLimits(seconds=max(0.0, deadline - time.monotonic()),
                               max_rows=limits.max_rows)
            return self.store.evaluate(query, limits=left, dataset=dataset)
        finally:
            self._slots.release()

    def start(self) -> None:
        """Nothing to start: threads are made as queries come."""

    def pids(self) -> list[int]:
        return []

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
