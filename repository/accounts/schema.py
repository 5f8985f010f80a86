"""The tables of the accounts database, version by version (:mod:`.database` applies them).

Times are UTC text to the microsecond (:func:`.database.stamp`), which both backends compare
and sort as time. An account's id is its e-mail in lower case. A session is kept by the
SHA-256 of its token, never the token. The audit log is append-only by construction: a
trigger refuses every UPDATE and DELETE of it, on both backends.

A new version is a new :class:`~.database.Migration` at the end of :data:`MIGRATIONS`; a
released one never changes.
"""

from __future__ import annotations

from .database import Dialect, Migration

_TABLES = """
CREATE TABLE accounts (
    email TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    agency TEXT,
    state TEXT NOT NULL,
    password_hash TEXT,
    demo INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    decided_by TEXT,
    decided TEXT,
    rejection_reason TEXT,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until TEXT,
    held_for_admin INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounts_by_agency ON accounts (agency, state);
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    email TEXT NOT NULL REFERENCES accounts (email) ON DELETE CASCADE,
    started TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    client TEXT
);
CREATE INDEX sessions_by_account ON sessions (email);
CREATE INDEX sessions_by_last_seen ON sessions (last_seen);
CREATE TABLE audit_log (
    number {serial},
    at TEXT NOT NULL,
    who TEXT NOT NULL,
    client TEXT,
    what TEXT NOT NULL,
    record TEXT,
    from_state TEXT,
    to_state TEXT,
    details TEXT
);
CREATE INDEX audit_by_who ON audit_log (who, number);
CREATE INDEX audit_by_what ON audit_log (what, number);
CREATE INDEX audit_by_record ON audit_log (record, number);
CREATE INDEX audit_by_time ON audit_log (at)
"""

_SQLITE_APPEND_ONLY = [
    f"""CREATE TRIGGER audit_log_no_{change} BEFORE {change.upper()} ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"""
    for change in ("update", "delete")
]

_POSTGRESQL_APPEND_ONLY = [
    """CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()""",
    """CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()""",
]


def _version_1(dialect: Dialect) -> list[str]:
    """Accounts (with their lockout counters), sessions, the append-only audit log."""
    tables = [s.strip() for s in _TABLES.format(serial=dialect.serial).split(";")]
    guard = _POSTGRESQL_APPEND_ONLY if dialect.name == "postgresql" else _SQLITE_APPEND_ONLY
    return [*tables, *guard]


def _version_2(dialect: Dialect) -> list[str]:
    """Indexes for the back office's account lists: by state (a platform admin's filter) and
    by agency, role and state (an agency admin's providers), each in e-mail order."""
    return ["CREATE INDEX accounts_by_state ON accounts (state, email)",
            "CREATE INDEX accounts_by_agency_role ON accounts (agency, role, state, email)"]


def _version_3(dialect: Dialect) -> list[str]:
    """Licence terms accepted: which account accepted which licence for which record's files,
    and when (downloads of files whose licence asks for an agreement check it)."""
    return ["""CREATE TABLE licence_acceptances (
                email TEXT NOT NULL REFERENCES accounts (email) ON DELETE CASCADE,
                record TEXT NOT NULL,
                licence TEXT NOT NULL,
                accepted TEXT NOT NULL,
                PRIMARY KEY (email, record, licence))"""]


MIGRATIONS = (Migration(1, _version_1), Migration(2, _version_2), Migration(3, _version_3))
