"""One workflow action at a time per record, in this process and across processes.

An action reads the record, checks its state and revision, and writes; two reviewers acting
on the same record at once must not both pass the check. Within a process a record's actions
take one of :data:`STRIPES` thread locks (chosen by the local id). The embedded store is
opened by one process only, so that is all it needs. A store on a SPARQL server is shared by
processes, even machines, and Oxigraph 0.5 does not detect write-write conflicts (two
conditional updates evaluated at once both apply), so there each action also takes a
**lease** in the work area, made safe the way :meth:`repository.core.Repository.new_local_id`
claims ids:

1. one update removes leases older than :data:`LEASE_S` (their holder died) and adds this
   one's claim ``<urn:uuid:…> yl:lockedRecord "{id}" ; yl:lockedAt NOW()`` unless the record
   has a claim already;
2. a query reads the record's claims: the lease is held when this claim is the only one.
   Two claims added at the same moment both see two and both withdraw theirs, then try again
   after a random pause; a claim that sees only itself was added before any other could be
   seen, so no other claim can see only itself while it stands;
3. releasing deletes the claim.

The store's own clock (``NOW()``) dates claims, so machines whose clocks differ agree on
which have expired. Waiting longer than :data:`WAIT_S` raises RecordBusy (409).
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
import uuid
import weakref
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

from rdflib import Literal, URIRef

from vocab.namespaces import XSD, YL

from ..errors import ConflictError
from ..store import Store

if TYPE_CHECKING:
    from ..backends import TripleStore

#: Thread locks records are spread over (a record always takes the same one).
STRIPES = 64
#: Seconds an action waits for a record another one holds.
WAIT_S = 10.0
#: Seconds after which a lease is taken to have been left by a process that died.
LEASE_S = 60
#: Pause between two attempts at a lease: at first, and at most (seconds).
FIRST_PAUSE_S, LONGEST_PAUSE_S = 0.005, 0.2


class RecordBusy(ConflictError):
    """Another action held the record for longer than an action waits (409)."""


class RecordLocks:
    """The locks of the records of one work area (see the module documentation)."""

    def __init__(self, work: TripleStore, base: str) -> None:
        self.work = work
        self.shared = not isinstance(work, Store)
        self.graph = URIRef(f"{base}graph/record-locks").n3()
        self._stripes = [threading.Lock() for _ in range(STRIPES)]

    @contextlib.contextmanager
    def held(self, local_id: str) -> Iterator[None]:
        """Hold record ``local_id`` for the body. Raises RecordBusy after :data:`WAIT_S` and
        StoreError when the store fails."""
        deadline = time.monotonic() + WAIT_S
        stripe = self._stripes[zlib.crc32(local_id.encode()) % STRIPES]
        if not stripe.acquire(timeout=WAIT_S):
            raise _busy(local_id)
        try:
            token = self._lease(local_id, deadline) if self.shared else None
            try:
                yield
            finally:
                if token is not None:
                    self._drop(token)
        finally:
            stripe.release()

    def _lease(self, local_id: str, deadline: float) -> str:
        """A lease on ``local_id`` (its claim's IRI, in N3). Raises RecordBusy, StoreError."""
        pause = FIRST_PAUSE_S
        while True:
            token = URIRef(f"urn:uuid:{uuid.uuid4()}").n3()
            self.work.update(self._claim(token, local_id))
            if self._claims(local_id) == [token]:
                return token
            self._drop(token)
            if time.monotonic() + pause > deadline:
                raise _busy(local_id)
            time.sleep(random.uniform(pause / 2, pause))
            pause = min(pause * 2, LONGEST_PAUSE_S)

    def _claim(self, token: str, local_id: str) -> str:
        record, graph = Literal(local_id).n3(), self.graph
        expired = Literal(f"PT{LEASE_S}S", datatype=XSD.dayTimeDuration).n3()
        return f"""
            DELETE {{ GRAPH {graph} {{ ?old <{YL.lockedRecord}> {record} ;
                                             <{YL.lockedAt}> ?at }} }}
            WHERE {{ GRAPH {graph} {{ ?old <{YL.lockedRecord}> {record} ; <{YL.lockedAt}> ?at }}
                     FILTER(NOW() - ?at > {expired}) }} ;
            INSERT {{ GRAPH {graph} {{ {token} <{YL.lockedRecord}> {record} ;
                                              <{YL.lockedAt}> ?now }} }}
            WHERE {{ BIND(NOW() AS ?now) FILTER NOT EXISTS {{
                       GRAPH {graph} {{ ?other <{YL.lockedRecord}> {record} }} }} }}"""

    def _claims(self, local_id: str) -> list[str]:
        rows = self.work.select(f"""SELECT ?claim WHERE {{ GRAPH {self.graph} {{
            ?claim <{YL.lockedRecord}> {Literal(local_id).n3()} }} }}""")
        return [row["claim"].n3() for row in rows]

    def _drop(self, token: str) -> None:
        self.work.update(f"DELETE WHERE {{ GRAPH {self.graph} {{ {token} ?p ?o }} }}")


def _busy(local_id: str) -> RecordBusy:
    return RecordBusy(f"record {local_id} is being changed by someone else and stayed so for "
                      f"{WAIT_S:g} s; try again")


_LOCKS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCKS_GUARD = threading.Lock()


def record_locks(work: TripleStore, base: str) -> RecordLocks:
    """The locks of work area ``work``: one set per store object, shared by every workflow
    made over it (two sets of thread locks on one store would not exclude each other)."""
    with _LOCKS_GUARD:
        locks = _LOCKS.get(work)
        if locks is None:
            locks = _LOCKS[work] = RecordLocks(work, base)
        return locks
