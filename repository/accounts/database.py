"""The accounts database: one small SQL interface over SQLite (the default) or PostgreSQL.

Accounts, lockout counters, sessions and the audit log live here, never in the triple store:
a dump or an export of the store cannot hold a password hash, and every process that serves
the back office sees the same rows. **SQLite** at ``{home}/accounts.sqlite`` (WAL mode,
created owner-only: it holds password hashes) is shared by every process of one machine;
**PostgreSQL** (``[accounts] database = "postgresql://…"`` or ``YULIAO_ACCOUNTS_DATABASE``,
through psycopg 3) by several machines.

The code above this module writes its statements once, with ``?`` placeholders; a
:class:`Dialect` turns them into what the backend expects. Every change runs in one
:meth:`Database.transaction`: SQLite's start with ``BEGIN IMMEDIATE`` (one writer at a time
on the file, across processes), PostgreSQL's lock the rows they read with ``FOR UPDATE``
(written in the statements; SQLite, which has no row locks, drops it). A failure rolls the
whole transaction back, so nothing is ever half-written.

The schema is versioned (table ``schema_version``) and migrated in place when a database is
opened, under a lock (SQLite's write lock; a PostgreSQL advisory lock), so that two processes
opening a new database at once migrate it once. sqlite3 and psycopg errors are raised as
StoreError naming the database (a PostgreSQL URL without its password).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ..config import Config
from ..errors import NotFound, StoreError

#: Seconds to wait for another process's write lock (SQLite), to connect and for one
#: statement to run (PostgreSQL).
BUSY_SECONDS = 10
CONNECT_SECONDS = 10
STATEMENT_SECONDS = 10
#: Any constant: the key of the PostgreSQL advisory lock held while the schema is migrated.
SCHEMA_LOCK = 0x79756C69616F  # "yuliao"
TIMESTAMP = "%Y-%m-%dT%H:%M:%S.%fZ"

Clock = Callable[[], datetime]
Params = Sequence[Any]


def utc_now() -> datetime:
    """The current moment, in UTC (the default clock of accounts, sessions and audit)."""
    return datetime.now(UTC)


def stamp(moment: datetime) -> str:
    """``moment`` as stored: UTC text to the microsecond, which sorts as time does."""
    return moment.astimezone(UTC).strftime(TIMESTAMP)


def moment(text: str) -> datetime:
    """The inverse of :func:`stamp`."""
    return datetime.strptime(text, TIMESTAMP).replace(tzinfo=UTC)


@dataclass(frozen=True)
class Dialect:
    """What differs between the backends in the statements this package writes."""

    name: str
    placeholder: str
    #: the column type of an audit event's number: increasing, assigned by the database
    serial: str
    #: whether ``SELECT … FOR UPDATE`` is understood (SQLite locks the whole file instead)
    row_locks: bool

    def sql(self, text: str) -> str:
        """``text`` (written with ``?`` placeholders and ``FOR UPDATE``) for this backend."""
        if self.placeholder != "?":
            text = text.replace("?", self.placeholder)
        return text if self.row_locks else text.replace(" FOR UPDATE", "")


SQLITE = Dialect("sqlite", "?", "INTEGER PRIMARY KEY", row_locks=False)
POSTGRESQL = Dialect("postgresql", "%s", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY",
                     row_locks=True)


class Transaction:
    """Statements run inside one transaction of a :class:`Database`."""

    def __init__(self, cursor: Any, dialect: Dialect) -> None:
        self._cursor = cursor
        self.dialect = dialect

    def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; the number of rows it changed."""
        self._cursor.execute(self.dialect.sql(sql), tuple(params))
        return self._cursor.rowcount

    def one(self, sql: str, params: Params = ()) -> tuple | None:
        """The first row of a query (None when there is none)."""
        self._cursor.execute(self.dialect.sql(sql), tuple(params))
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def all(self, sql: str, params: Params = ()) -> list[tuple]:
        """Every row of a query."""
        self._cursor.execute(self.dialect.sql(sql), tuple(params))
        return [tuple(row) for row in self._cursor.fetchall()]


@dataclass(frozen=True)
class Migration:
    """The statements that bring the schema from ``version - 1`` to ``version``."""

    version: int
    statements: Callable[[Dialect], list[str]]


class Database:
    """One accounts database; open it with :func:`open_database`. A connection is shared by
    the threads of a process, one transaction at a time.

    Raises StoreError when the database cannot be opened or migrated, or was made by a newer
    Yuliao (a schema version this one does not know).
    """

    def __init__(self, backend: _Backend, migrations: Sequence[Migration]) -> None:
        self._backend = backend
        self.dialect = backend.dialect
        self.where = backend.where
        self._lock = threading.Lock()
        self.version = self._migrate(migrations)

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Transaction]:
        """A transaction, committed when the block ends and rolled back when it raises;
        ``write`` False for one that only reads (SQLite then leaves the write lock to others).
        Raises StoreError when the database fails (nothing of the block is written then)."""
        with self._lock:
            try:
                with self._backend.transaction(write) as cursor:
                    yield Transaction(cursor, self.dialect)
            except self._backend.errors as error:
                raise StoreError(f"the accounts database {self.where} failed: "
                                 f"{_first_line(error)}") from error

    def _migrate(self, migrations: Sequence[Migration]) -> int:
        latest = max((m.version for m in migrations), default=0)
        with self.transaction() as tx:
            self._backend.lock_schema(tx)
            tx.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            row = tx.one("SELECT version FROM schema_version")
            if row is None:
                tx.execute("INSERT INTO schema_version (version) VALUES (0)")
            current = row[0] if row else 0
            if current > latest:
                raise StoreError(f"the accounts database {self.where} has schema version "
                                 f"{current}, made by a newer Yuliao (this one knows up to "
                                 f"{latest}): upgrade Yuliao")
            for migration in sorted(migrations, key=lambda m: m.version):
                if migration.version > current:
                    for statement in migration.statements(self.dialect):
                        tx.execute(statement)
            tx.execute("UPDATE schema_version SET version = ?", (max(current, latest),))
        return max(current, latest)

    def close(self) -> None:
        """Close the connection; the database is unusable afterwards."""
        with self._lock:
            self._backend.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


# -- the two backends ------------------------------------------------------------------------


class _Backend(Protocol):
    """How one kind of database connects, starts transactions and fails."""

    dialect: Dialect
    where: str
    errors: tuple[type[BaseException], ...]

    def transaction(self, write: bool) -> contextlib.AbstractContextManager[Any]: ...

    def lock_schema(self, tx: Transaction) -> None: ...

    def close(self) -> None: ...


class _SQLite:
    """A SQLite file in WAL mode, created owner-only; each transaction holds the write lock
    from its start (``BEGIN IMMEDIATE``), so a read-then-write is never interleaved with
    another process's."""

    dialect = SQLITE
    errors = (sqlite3.Error,)

    def __init__(self, path: Path) -> None:
        self.where = str(path)
        try:
            os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600))
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False,
                                       timeout=BUSY_SECONDS)
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA foreign_keys = ON")
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the accounts database {path}: "
                             f"{_first_line(error)}") from error

    @contextlib.contextmanager
    def transaction(self, write: bool) -> Iterator[sqlite3.Cursor]:
        cursor = self._db.cursor()
        cursor.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield cursor
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                cursor.execute("ROLLBACK")
            raise
        cursor.execute("COMMIT")

    def lock_schema(self, tx: Transaction) -> None:
        """Nothing more: the transaction holds the file's write lock already."""

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._db.close()


class _PostgreSQL:
    """A PostgreSQL database through psycopg 3: one connection, reopened when it broke (a
    restarted server), with a connect and a statement time limit."""

    dialect = POSTGRESQL

    def __init__(self, url: str) -> None:
        try:
            import psycopg
        except ImportError as error:
            raise StoreError("the accounts database is on PostgreSQL but psycopg is not "
                             "installed: pip install 'yuliao[postgres]'") from error
        self._psycopg = psycopg
        self.errors = (psycopg.Error,)
        self.where = without_password(url)
        self._url = url
        self._connection: Any = None
        try:
            self._connection = self._connect()
        except psycopg.Error as error:
            raise StoreError(f"cannot open the accounts database {self.where}: "
                             f"{_first_line(error)}") from error

    def _connect(self) -> Any:
        return self._psycopg.connect(
            self._url, autocommit=True, connect_timeout=CONNECT_SECONDS,
            options=f"-c statement_timeout={STATEMENT_SECONDS * 1000}")

    @contextlib.contextmanager
    def transaction(self, write: bool) -> Iterator[Any]:
        if self._connection is None or self._connection.broken or self._connection.closed:
            self._connection = self._connect()
        with self._connection.transaction(), self._connection.cursor() as cursor:
            yield cursor

    def lock_schema(self, tx: Transaction) -> None:
        tx.one("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK,))

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(self._psycopg.Error):
                self._connection.close()


def without_password(url: str) -> str:
    """``url`` as it may be shown: without a password, and without the query (which may
    carry one)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    user = f"{parts.username}@" if parts.username else ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def open_database(config: Config, migrations: Sequence[Migration] | None = None) -> Database:
    """The accounts database of ``config``: PostgreSQL when ``[accounts] database`` (or
    ``YULIAO_ACCOUNTS_DATABASE``) names one, else SQLite at ``config.accounts_path``; its
    schema migrated to the latest version (``migrations``: the schema's own by default).

    Raises NotFound for SQLite in a home that does not exist (``yuliao init`` makes it),
    StoreError when the database cannot be opened or migrated.
    """
    from .schema import MIGRATIONS

    url = config.accounts.database
    if url is None and not config.home.is_dir():
        raise NotFound(f"no Yuliao home at {config.home}: run `yuliao init` to create one, or "
                       "give the right --home / $YULIAO_HOME")
    backend: _Backend = _PostgreSQL(url) if url else _SQLite(config.accounts_path)
    try:
        return Database(backend, MIGRATIONS if migrations is None else migrations)
    except BaseException:
        backend.close()
        raise
