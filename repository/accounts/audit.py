"""The audit log (seed 004 §9): who did what, when, from where, to which record.

An append-only table of the accounts database (:mod:`.schema`: a trigger refuses every
change and deletion), never in the triple store, so nothing of it can reach the public area.
Each event: when (UTC), who (an account's e-mail, ``cli:{user}`` for the command line, or
``anonymous``), the client's address, what happened (:data:`EVENTS`, or another name of the
same form), the record and the states it went from and to (for a record's events), and
details (a reason, what changed; never a password). Events are numbered in the order they
were written; :meth:`AuditLog.query` pages them newest first by that number (keyset), so a
page costs the same however long the log is.

:meth:`AuditLog.append` is the callback the review workflow is given; the accounts, login and
sessions write their own events, in the same transaction as the change they record.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TextIO

from ..actors import WorkflowEvent
from ..errors import InputError
from .database import Clock, Database, Transaction, moment, stamp, utc_now

ANONYMOUS = "anonymous"
#: The events Yuliao writes. Others may be appended when they have the same form.
EVENTS = (
    "login.success", "login.failure", "login.lockout", "logout",
    "account.apply", "account.create", "account.approve", "account.reject",
    "account.disable", "account.enable", "account.unlock", "password.reset",
    "account.apply-refused", "agency.add", "agency.update",
    "record.save", "record.transition", "export", "download", "licence.accept",
)
WHAT = re.compile(r"[a-z][a-z-]*(\.[a-z][a-z-]*)*")
#: Longest values kept: an event name, who, a client address, a record id, a state, details.
MAX_WHAT, MAX_WHO, MAX_CLIENT, MAX_RECORD, MAX_STATE, MAX_DETAILS = 64, 320, 100, 300, 64, 4000
#: Events on one page of :meth:`AuditLog.query`, by default and at most.
PAGE_SIZE, MAX_PAGE_SIZE = 100, 1000
COLUMNS = ("number", "at", "who", "client", "what", "record", "from_state", "to_state",
           "details")
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM audit_log"


@dataclass(frozen=True)
class AuditEvent:
    """One event; ``number`` and ``at`` are given when it is written (``at`` may be given
    beforehand, for an event that happened earlier)."""

    what: str
    who: str = ANONYMOUS
    client: str | None = None
    record: str | None = None
    from_state: str | None = None
    to_state: str | None = None
    details: str | None = None
    at: datetime | None = None
    number: int | None = None


@dataclass(frozen=True)
class AuditPage:
    """Events newest first, and the cursor of the next (older) page: None on the last."""

    events: list[AuditEvent]
    next_after: int | None


def check_event(event: AuditEvent) -> None:
    """Raises InputError naming the field of ``event`` that is malformed or too long."""
    if not WHAT.fullmatch(event.what) or len(event.what) > MAX_WHAT:
        raise InputError(f"{event.what!r} is not an event name such as login.success",
                         field="what")
    if not event.who.strip():
        raise InputError("who acted is required (an account, or anonymous)", field="who")
    limits = {"who": MAX_WHO, "client": MAX_CLIENT, "record": MAX_RECORD,
              "from_state": MAX_STATE, "to_state": MAX_STATE, "details": MAX_DETAILS}
    for name, limit in limits.items():
        value = getattr(event, name)
        if value is not None and len(value) > limit:
            raise InputError(f"{len(value)} characters; at most {limit} are kept", field=name)


class AuditLog:
    """The audit log of ``database``; ``clock`` gives the time of each event."""

    def __init__(self, database: Database, clock: Clock = utc_now) -> None:
        self.database = database
        self.clock = clock

    def append(self, event: AuditEvent) -> AuditEvent:
        """Write ``event`` (in a transaction of its own) and return it as written, with its
        number and time. Raises InputError for a malformed event, StoreError."""
        with self.database.transaction() as tx:
            return self.write(tx, event)

    def workflow_event(self, event: WorkflowEvent, client: str | None = None) -> AuditEvent:
        """Write what the workflow reports of a save or transition (``record.{action}``: who,
        when, the record, from and to which state, the reason). Raises StoreError."""
        return self.append(AuditEvent(
            f"record.{event.action}", who=event.account, client=client, record=event.record,
            from_state=event.from_state, to_state=event.to_state, details=event.reason,
            at=event.when))

    def write(self, tx: Transaction, event: AuditEvent) -> AuditEvent:
        """Write ``event`` inside ``tx`` (the transaction of the change it records)."""
        check_event(event)
        written = replace(event, at=event.at or self.clock())
        row = tx.one("INSERT INTO audit_log (at, who, client, what, record, from_state, "
                     "to_state, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING number",
                     (stamp(written.at), written.who, written.client, written.what,
                      written.record, written.from_state, written.to_state, written.details))
        assert row is not None
        return replace(written, number=row[0])

    def query(self, *, who: str | None = None, what: str | None = None,
              record: str | None = None, since: datetime | None = None,
              until: datetime | None = None, limit: int = PAGE_SIZE,
              after: int | None = None) -> AuditPage:
        """Events newest first: by ``who``, ``what`` (an event, or a family such as ``login``
        for every ``login.…``), ``record``, from ``since`` and before ``until``; at most
        ``limit`` (1 to :data:`MAX_PAGE_SIZE`), older than the event numbered ``after``.
        Raises InputError for a limit out of range, StoreError."""
        if not 1 <= limit <= MAX_PAGE_SIZE:
            raise InputError(f"expected 1 to {MAX_PAGE_SIZE} events a page, found {limit}",
                             field="limit")
        where, params = _conditions(who, what, record, since, until, after)
        sql = f"{_SELECT}{where} ORDER BY number DESC LIMIT ?"
        with self.database.transaction(write=False) as tx:
            rows = tx.all(sql, (*params, limit + 1))
        events = [_event(row) for row in rows[:limit]]
        more = len(rows) > limit
        return AuditPage(events, events[-1].number if more else None)

    def events(self, **filters) -> Iterator[AuditEvent]:
        """Every event :meth:`query` finds with ``filters``, newest first, a page at a time."""
        after = filters.pop("after", None)
        while True:
            page = self.query(**filters, limit=MAX_PAGE_SIZE, after=after)
            yield from page.events
            if page.next_after is None:
                return
            after = page.next_after

    def write_csv(self, out: TextIO, **filters) -> int:
        """Write the events :meth:`query` finds with ``filters`` to ``out`` as CSV (a header
        row of :data:`COLUMNS`, then newest first); the number of events written. A value
        that a spreadsheet would take for a formula is written with a leading ``'``."""
        count = 0
        for chunk, rows in self.csv_chunks(**filters):
            out.write(chunk)
            count += rows
        return count

    def csv_chunks(self, **filters) -> Iterator[tuple[str, int]]:
        """The CSV of :meth:`write_csv` as it is made, a page of the log at a time (for a
        streamed download): each chunk of text with the number of events in it, the first
        starting with the header row. Raises InputError, StoreError (while it is read)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        after = filters.pop("after", None)
        while True:
            page = self.query(**filters, limit=MAX_PAGE_SIZE, after=after)
            for event in page.events:
                writer.writerow([_cell(getattr(event, c)) for c in COLUMNS])
            yield buffer.getvalue(), len(page.events)
            buffer.seek(0)
            buffer.truncate()
            if page.next_after is None:
                return
            after = page.next_after


def _conditions(who: str | None, what: str | None, record: str | None,
                since: datetime | None, until: datetime | None,
                after: int | None) -> tuple[str, list]:
    """The WHERE clause of a query and its parameters; each condition can use an index."""
    clauses: list[str] = []
    params: list = []
    for column, value in (("who", who), ("record", record)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if what is not None:  # the event itself, or its family: 'login.' <= what < 'login/'
        clauses.append("(what = ? OR (what >= ? AND what < ?))")
        params += [what, f"{what}.", f"{what}/"]
    for clause, value in (("at >= ?", since), ("at < ?", until)):
        if value is not None:
            clauses.append(clause)
            params.append(stamp(value))
    if after is not None:
        clauses.append("number < ?")
        params.append(after)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def _event(row: tuple) -> AuditEvent:
    number, at, who, client, what, record, from_state, to_state, details = row
    return AuditEvent(what=what, who=who, client=client, record=record, from_state=from_state,
                      to_state=to_state, details=details, at=moment(at), number=number)


def _cell(value: object) -> str:
    """A CSV cell: times as UTC text, nothing as empty, formula-like text defused."""
    if value is None:
        return ""
    text = stamp(value) if isinstance(value, datetime) else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
