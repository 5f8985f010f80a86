"""SPARQL queries run in separate processes that can be stopped and whose memory is capped.

Oxigraph cannot cancel a query: a blocking operator (ORDER BY, GROUP BY, COUNT over a huge
join) runs until it has its first solution, growing as it likes; in a thread of the web
process one such query took it from 0.4 GB to 22 GB. So queries run in **query processes**
(:mod:`repository.querypool.worker`), each on a read-only snapshot of the public area
(:mod:`repository.snapshots`) or on the remote public area, each with its address space
capped at ``memory_limit`` beyond its start-up size. The pool kills a process whose query
passes its time limit, and replaces every process that dies or is killed: memory and CPU are
back within the time it takes to kill a process.

Light and heavy queries: every query starts in a free process and may run ``heavy_after``
seconds there. A query still running then is **heavy** and needs a heavy slot to go on: at
most ``heavy`` heavy queries run at once across every process of the home (slots are
``flock``-ed files under ``{home}/run``, so several web workers share them), and one process
of each pool is always left to light queries. A heavy query that finds no slot is stopped at
once with :class:`~repository.sparql.QueryBusy` (503 and ``Retry-After``). So hostile
queries hold at most ``heavy`` processes for at most the time limit, while small queries go on
being answered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .pool import HeavySlots, QueryPool
from .threads import ThreadRunner

if TYPE_CHECKING:
    from ..config import SparqlSettings
    from ..core import Repository

__all__ = ["HeavySlots", "QueryPool", "ThreadRunner", "query_runner"]


def query_runner(repository: Repository, settings: SparqlSettings,
                 ) -> QueryPool | ThreadRunner:
    """What runs the public queries of ``repository`` (a Repository or PublicReader): query
    processes on its snapshots (embedded on disk) or on its SPARQL server (remote), threads for
    a store in memory."""
    from ..remote_store import RemoteStore

    public = repository.public
    if isinstance(public, RemoteStore):
        return QueryPool(settings, lambda: None, remote=(public.endpoints, public.limits),
                         run_folder=repository.config.run_dir)
    if getattr(public, "path", None) is None:
        return ThreadRunner(public, settings)
    return QueryPool(settings, lambda: str(repository.public_snapshot()),
                     run_folder=repository.config.run_dir)
