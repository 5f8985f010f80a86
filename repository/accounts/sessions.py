"""Back-office sessions: server-side, revocable, ending when idle.

:meth:`Sessions.start` gives an opaque random token (256 bits, URL-safe text) for the web
layer's cookie; the database keeps only its SHA-256, so a copy of the database opens no
session. Every login starts a new session with a new token. :meth:`Sessions.resolve` turns a
token back into the :class:`~repository.actors.Actor` of its account, read afresh (a changed
role or agency counts at once), and slides the idle window; it answers None, and forgets the
session, once the session has been unused for ``[accounts] session_idle_minutes`` (default
30), has lasted :data:`MAX_LIFETIME`, or its account is no longer active. A session ends at
logout (:meth:`Sessions.end`); all of an account's end when it is disabled or its password
is reset (:func:`end_sessions`, in the transaction of that change) or by
:meth:`Sessions.end_all`.

Because sessions live in the accounts database, a session ended in one process is ended for
every process and machine that shares it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from ..actors import Actor, Role
from ..errors import ConflictError, NotFound
from .audit import AuditEvent, AuditLog
from .database import Clock, Database, Transaction, moment, stamp, utc_now

#: Random bytes in a token (256 bits; OWASP asks for at least 64 bits of entropy).
TOKEN_BYTES = 32
#: The longest text taken for a token (a real one has 43 characters).
MAX_TOKEN = 128
#: How long a session may last however busy it is.
MAX_LIFETIME = timedelta(hours=12)
#: A session's last use is written at most this often (and at least ten times per idle
#: period), so that a page's every request does not write.
TOUCH_EVERY = timedelta(seconds=60)


def token_hash(token: str) -> str:
    """What the database keeps of ``token``."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def end_sessions(tx: Transaction, email: str) -> int:
    """End every session of ``email`` inside ``tx``; how many there were."""
    return tx.execute("DELETE FROM sessions WHERE email = ?", (email,))


class Sessions:
    """The sessions of ``database``: each ends after ``idle`` unused; ``clock`` says when."""

    def __init__(self, database: Database, audit: AuditLog, *,
                 idle: timedelta = timedelta(minutes=30), clock: Clock = utc_now) -> None:
        self.database = database
        self.audit = audit
        self.idle = idle
        self.clock = clock

    def start(self, who: Actor | str | Any, *, client: str | None = None) -> str:
        """A new session of the active account ``who`` (an actor, an account or an e-mail) and
        its token (give it to the client; it is not kept). Sessions that have ended meanwhile
        are forgotten. Raises NotFound, ConflictError when the account is not active."""
        email = _email(who)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = self.clock()
        with self.database.transaction() as tx:
            row = tx.one("SELECT state FROM accounts WHERE email = ?", (email,))
            if row is None:
                raise NotFound(f"no account {email}")
            if row[0] != "active":
                raise ConflictError(f"{email} is {row[0]}: only an active account has sessions")
            self._forget_ended(tx, now)
            tx.execute("INSERT INTO sessions (token_hash, email, started, last_seen, client) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (token_hash(token), email, stamp(now), stamp(now), client))
        return token

    def resolve(self, token: str | None) -> Actor | None:
        """The actor of the session ``token``, its idle window slid forward; None when there
        is no such session, or it has ended (idle, too old, its account no longer active),
        in which case it is forgotten."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return None
        key, now = token_hash(token), self.clock()
        with self.database.transaction(write=False) as tx:
            row = tx.one("SELECT s.started, s.last_seen, a.email, a.name, a.role, a.agency, "
                         "a.state FROM sessions s JOIN accounts a ON a.email = s.email "
                         "WHERE s.token_hash = ?", (key,))
        if row is None:
            return None
        started, last_seen, email, name, role, agency, state = row
        if state != "active" or self._ended(moment(started), moment(last_seen), now):
            self._forget(key)
            return None
        if now - moment(last_seen) >= min(TOUCH_EVERY, self.idle / 10):
            with self.database.transaction() as tx:
                tx.execute("UPDATE sessions SET last_seen = ? WHERE token_hash = ?",
                           (stamp(now), key))
        return Actor(account=email, role=Role(role), agency=agency, name=name)

    def end(self, token: str, *, client: str | None = None) -> bool:
        """Log out: end the session ``token``. False when there was no such session."""
        if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN:
            return False
        with self.database.transaction() as tx:
            row = tx.one("DELETE FROM sessions WHERE token_hash = ? RETURNING email",
                         (token_hash(token),))
            if row is not None:
                self.audit.write(tx, AuditEvent("logout", who=row[0], client=client))
        return row is not None

    def end_all(self, who: Actor | str, *, client: str | None = None) -> int:
        """End every session of ``who`` (logged out everywhere); how many there were."""
        email = _email(who)
        with self.database.transaction() as tx:
            count = end_sessions(tx, email)
            if count:
                self.audit.write(tx, AuditEvent("logout", who=email, client=client,
                                                details=f"all {count} sessions ended"))
        return count

    def count(self, who: Actor | str) -> int:
        """How many sessions of ``who`` are kept (ended ones not yet forgotten included)."""
        email = _email(who)
        with self.database.transaction(write=False) as tx:
            row = tx.one("SELECT COUNT(*) FROM sessions WHERE email = ?", (email,))
        return row[0] if row else 0

    def _ended(self, started: datetime, last_seen: datetime, now: datetime) -> bool:
        return now - last_seen >= self.idle or now - started >= MAX_LIFETIME

    def _forget(self, key: str) -> None:
        with self.database.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE token_hash = ?", (key,))

    def _forget_ended(self, tx: Transaction, now: datetime) -> None:
        tx.execute("DELETE FROM sessions WHERE last_seen <= ? OR started <= ?",
                   (stamp(now - self.idle), stamp(now - MAX_LIFETIME)))


def _email(who: Actor | str | Any) -> str:
    """The e-mail of an actor, of an :class:`~.accounts.Account` (its ``email``), or given."""
    if isinstance(who, Actor):
        return who.account
    return who.strip().lower() if isinstance(who, str) else who.email
