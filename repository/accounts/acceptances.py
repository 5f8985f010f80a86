"""Licence terms accepted by signed-in accounts (issue 15: a file whose licence asks for an
agreement, SAITDL for one, is downloaded only by an account that accepted its terms).

One row per account, record and licence (``licence_acceptances``, :mod:`.schema` version 3),
written in the same transaction as its ``licence.accept`` audit event. An acceptance is for
one record's files under one licence: a record whose licence changes asks again.
"""

from __future__ import annotations

from datetime import datetime

from .audit import AuditEvent, AuditLog
from .database import Clock, Database, moment, stamp, utc_now


class LicenceAcceptances:
    """The acceptances kept in ``database``; each one written to ``audit`` too."""

    def __init__(self, database: Database, audit: AuditLog, clock: Clock = utc_now) -> None:
        self.database, self.audit, self.clock = database, audit, clock

    def accept(self, email: str, record: str, licence: str, client: str | None = None
               ) -> datetime:
        """``email`` accepts ``licence`` for the files of ``record`` (again: the first time
        stays); when it was first accepted. Raises StoreError."""
        now = self.clock()
        with self.database.transaction() as tx:
            row = tx.one("SELECT accepted FROM licence_acceptances WHERE email = ? AND "
                         "record = ? AND licence = ?", (email, record, licence))
            if row is not None:
                return moment(row[0])
            tx.execute("INSERT INTO licence_acceptances (email, record, licence, accepted) "
                       "VALUES (?, ?, ?, ?)", (email, record, licence, stamp(now)))
            self.audit.write(tx, AuditEvent("licence.accept", who=email, client=client,
                                            record=record, details=licence))
        return now

    def accepted(self, email: str, record: str, licence: str) -> datetime | None:
        """When ``email`` accepted ``licence`` for ``record``; None when never. Raises
        StoreError."""
        with self.database.transaction(write=False) as tx:
            row = tx.one("SELECT accepted FROM licence_acceptances WHERE email = ? AND "
                         "record = ? AND licence = ?", (email, record, licence))
        return moment(row[0]) if row else None
