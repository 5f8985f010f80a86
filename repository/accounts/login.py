"""Logging in: identity providers, and the local one, e-mail and password.

An :class:`IdentityProvider` proves who a person is from the credentials its kind of login
takes and answers with the :class:`~repository.actors.Actor` of their account; the web layer
then starts a session (:mod:`.sessions`) and the workflow only ever sees the actor. Today
there is one provider, :class:`LocalPasswords`. The government single sign-on (OpenID
Connect) will be another: its credentials the authorization response, its proof the ID
token's verified e-mail, mapped to an active account the same way; nothing of the workflow,
the sessions or the audit log changes.

**Local passwords** follow seed 004 §9. Every failure raises the same :class:`LoginFailed`
("帳號或密碼錯誤 / Wrong account or password"), whether the account is unknown, the password
wrong, or the account locked, disabled, rejected or not yet approved; and every login, in
every one of those cases, verifies exactly one Argon2id hash (the account's, or the dummy of
:class:`~.passwords.Hasher` when there is none), so the time it takes does not tell either.
:data:`MAX_FAILURES` wrong passwords in a row lock the account for ``[accounts]
lockout_minutes`` (default 15), or until an admin unlocks it when ``unlock_by_admin`` is
set; a locked account is refused even the right password. The counters are rows of the
accounts database, updated under a row lock, so a lockout made through one process holds in
every other. Each attempt writes ``login.success`` or ``login.failure`` (and
``login.lockout``) to the audit log, never the password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NoReturn, Protocol, TypeVar

from ..actors import Actor, Role
from ..errors import LoginFailed
from .audit import ANONYMOUS, AuditEvent, AuditLog
from .database import Clock, Database, Transaction, moment, stamp, utc_now
from .passwords import Hasher

#: Wrong passwords in a row that lock an account (seed 004 §9: three).
MAX_FAILURES = 3
#: The longest e-mail looked up; a longer one is an unknown account.
MAX_EMAIL = 254
C = TypeVar("C", contravariant=True)


class IdentityProvider(Protocol[C]):
    """Proves who a person is from credentials of type ``C``; ``name`` says which provider
    (``local``; later ``oidc``). Raises LoginFailed, always with the same message."""

    name: str

    def authenticate(self, credentials: C, client: str | None = None) -> Actor: ...


@dataclass(frozen=True)
class Password:
    """The credentials of a local login; the password is never shown in a repr."""

    email: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class _Stored:
    """What a login reads of an account."""

    email: str
    name: str
    role: str
    agency: str | None
    state: str
    hashed: str | None
    failures: int
    locked_until: datetime | None
    held_for_admin: bool

    def locked_at(self, now: datetime) -> bool:
        return self.held_for_admin or (self.locked_until is not None and self.locked_until > now)


class LocalPasswords:
    """Logins with the e-mail and password of an account of ``database``."""

    name = "local"

    def __init__(self, database: Database, audit: AuditLog, *, hasher: Hasher | None = None,
                 lockout: timedelta = timedelta(minutes=15), unlock_by_admin: bool = False,
                 clock: Clock = utc_now) -> None:
        self.database = database
        self.audit = audit
        self.hasher = hasher or Hasher()
        self.lockout = lockout
        self.unlock_by_admin = unlock_by_admin
        self.clock = clock

    def authenticate(self, credentials: Password, client: str | None = None) -> Actor:
        """The actor of the account whose e-mail and password ``credentials`` gives. Raises
        LoginFailed (always the same message) otherwise; StoreError when the database fails."""
        email = credentials.email.strip().lower() if isinstance(credentials.email, str) else ""
        password = credentials.password if isinstance(credentials.password, str) else ""
        stored = self._read(email) if 0 < len(email) <= MAX_EMAIL else None
        matches = self.hasher.verify(stored.hashed if stored else None, password)
        now = self.clock()
        if stored is None:
            self._refuse(None, client, "no such account")
        if not matches:
            self._wrong_password(stored, now, client)
        return self._succeed(stored, password, now, client)

    def _read(self, email: str, tx: Transaction | None = None) -> _Stored | None:
        sql = ("SELECT email, name, role, agency, state, password_hash, failures, "
               "locked_until, held_for_admin FROM accounts WHERE email = ?")
        if tx is not None:
            row = tx.one(f"{sql} FOR UPDATE", (email,))
        else:
            with self.database.transaction(write=False) as reading:
                row = reading.one(sql, (email,))
        if row is None:
            return None
        *head, until, held = row
        return _Stored(*head, locked_until=moment(until) if until else None,
                       held_for_admin=bool(held))

    def _succeed(self, stored: _Stored, password: str, now: datetime,
                 client: str | None) -> Actor:
        """The right password: the actor, unless the account (read again under its row lock,
        for a lockout made meanwhile) may not log in."""
        rehashed = self.hasher.hash(password) if self.hasher.needs_rehash(stored.hashed) \
            else None
        with self.database.transaction() as tx:
            current = self._read(stored.email, tx)
            why = _barred(current, now)
            if why is None:
                tx.execute("UPDATE accounts SET failures = 0, locked_until = NULL, "
                           "password_hash = COALESCE(?, password_hash) WHERE email = ?",
                           (rehashed, stored.email))
                self.audit.write(tx, AuditEvent("login.success", who=stored.email,
                                                client=client))
        if why is not None:
            self._refuse(stored.email, client, why)
        return Actor(account=current.email, role=Role(current.role), agency=current.agency,
                     name=current.name)

    def _wrong_password(self, stored: _Stored, now: datetime, client: str | None) -> NoReturn:
        """Count the failure (unless the account is locked already), lock the account at
        :data:`MAX_FAILURES`, and refuse."""
        with self.database.transaction() as tx:
            current = self._read(stored.email, tx)
            if current is not None and not current.locked_at(now):
                self._count_failure(tx, current, now, client)
            why = "wrong password" if stored.hashed else "no password set"
            self.audit.write(tx, AuditEvent("login.failure", who=stored.email, client=client,
                                            details=why))
        raise LoginFailed()

    def _count_failure(self, tx: Transaction, current: _Stored, now: datetime,
                       client: str | None) -> None:
        expired = current.locked_until is not None  # and not locked now: the lock has ended
        failures = (0 if expired else current.failures) + 1
        locks = failures >= MAX_FAILURES
        tx.execute("UPDATE accounts SET failures = ?, locked_until = ?, held_for_admin = ? "
                   "WHERE email = ?",
                   (failures, stamp(now + self.lockout) if locks else None,
                    int(locks and self.unlock_by_admin), current.email))
        if locks:
            until = "an admin unlocks it" if self.unlock_by_admin \
                else stamp(now + self.lockout)
            self.audit.write(tx, AuditEvent(
                "login.lockout", who=current.email, client=client,
                details=f"{failures} wrong passwords in a row; locked until {until}"))

    def _refuse(self, email: str | None, client: str | None, why: str) -> NoReturn:
        """Write the failure (``why`` is for the audit log only) and raise LoginFailed."""
        self.audit.append(AuditEvent("login.failure", who=email or ANONYMOUS, client=client,
                                     details=why))
        raise LoginFailed()


def _barred(stored: _Stored | None, now: datetime) -> str | None:
    """Why an account with the right password may not log in (None: it may)."""
    if stored is None:
        return "no such account"
    if stored.locked_at(now):
        return "locked"
    if stored.state != "active":
        return f"account {stored.state}"
    return None
