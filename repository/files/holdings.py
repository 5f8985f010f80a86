"""What each agency keeps in the file store, against its quota (``[files] agency_quota``).

A small SQLite ledger beside the files (``{files}/holdings.sqlite``): one row per agency and
file (SHA-256) with its size, written when a file of the agency's is accepted, so that an
agency's use is one indexed sum however many records it has. A file two agencies both
uploaded counts for each. Uploads still under way count too (their declared length, from
:meth:`.uploads.Uploads.pending`), so two uploads begun together cannot pass the quota
between them. Nothing is ever subtracted while files are never removed from the store.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from ..errors import InputError, StoreError

SCHEMA = ("CREATE TABLE IF NOT EXISTS held (agency TEXT NOT NULL, sha256 TEXT NOT NULL, "
          "size INTEGER NOT NULL, PRIMARY KEY (agency, sha256)) WITHOUT ROWID")
#: Seconds a write waits for another process's.
BUSY_SECONDS = 10.0


class OverQuota(InputError):
    """The file would take the agency over its quota (413)."""

    status = 413


class Holdings:
    """The ledger at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def used(self, agency: str) -> int:
        """Bytes the agency keeps. Raises StoreError."""
        row = self._one("SELECT COALESCE(SUM(size), 0) FROM held WHERE agency = ?", (agency,))
        return int(row[0])

    def add(self, agency: str, sha256: str, size: int) -> None:
        """The agency keeps the file ``sha256`` of ``size`` bytes. Raises StoreError."""
        self._one("INSERT OR IGNORE INTO held VALUES (?, ?, ?)", (agency, sha256, size))

    def check(self, agency: str, size: int, quota: int, pending: int = 0,
              name: str = "") -> None:
        """Nothing when ``size`` more bytes (besides ``pending`` promised by uploads under
        way) keep the agency within ``quota`` (0: no quota). Raises OverQuota saying how
        much is left, StoreError."""
        if quota <= 0:
            return
        used = self.used(agency) + pending
        if used + size > quota:
            left = max(quota - used, 0)
            raise OverQuota(f"the agency {agency} keeps {used:,} bytes of its quota of "
                            f"{quota:,}; {left:,} bytes are left, and the file has {size:,}",
                            origin=name or None, field="file")

    def _one(self, sql: str, arguments: tuple) -> tuple | None:
        """The first row of ``sql`` (one statement, committed). Raises StoreError."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=BUSY_SECONDS,
                                         isolation_level=None)) as db:
                db.execute(SCHEMA)
                return db.execute(sql, arguments).fetchone()
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot use the file ledger {self.path}: {error}") from error
