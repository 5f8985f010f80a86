"""Accounts of the back office: application (帳號申請), approval, rejection, disabling.

An account is identified by its e-mail (kept in lower case) and has a display name, a role
(:class:`repository.actors.Role`), the code of its agency (a registered agency: required for
data providers and agency admins, None for platform admins), a state (:class:`State`), and a
password hash kept in the database only (:mod:`.login` reads it; an :class:`Account` never
holds it, so no repr, log or listing can show it).

The rules of seed 001: a person **applies** (state ``applied``); an **agency admin approves**
(or rejects, with a reason) the data providers of its own agency, a **platform admin** the
agency admins, and may approve anyone; nobody else may. An active account may be
**disabled** (it cannot log in, and all its sessions end at once) and enabled again. Each
change is one transaction with its audit event: a change that fails writes neither.

Refusals are errors carrying the HTTP status an endpoint answers with: InputError (400, names
the field), NotAllowed (403, says who may), NotFound (404), ConflictError (409, the account's
state does not allow it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ..actors import Actor, Role
from ..errors import ConflictError, InputError, NotAllowed, NotFound, StoreError
from .audit import AuditEvent, AuditLog
from .database import Clock, Database, Transaction, moment, stamp, utc_now
from .passwords import Hasher
from .sessions import end_sessions

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
#: Longest e-mail (RFC 5321's path limit), display name and rejection reason accepted.
MAX_EMAIL, MAX_NAME, MAX_REASON = 254, 200, 1000
#: Accounts listed on one page of :meth:`Accounts.list`, at most.
MAX_LIST = 1000
_COLUMNS = ("email, name, role, agency, state, demo, created, decided_by, decided, "
            "rejection_reason, failures, locked_until, held_for_admin")


class State(StrEnum):
    """Where an account is in its life."""

    APPLIED = "applied"  # 審核中: waiting for approval
    ACTIVE = "active"  # 已開通: may log in
    REJECTED = "rejected"  # 不通過: with a reason; may apply again
    DISABLED = "disabled"  # 停用: may not log in; may be enabled again


@dataclass(frozen=True)
class Account:
    """An account as the back office shows it (never its password or hash).

    ``decided_by``/``decided``: who approved or rejected the application and when;
    ``failures``: wrong passwords in a row; ``locked_until``: the end of a lockout;
    ``held_for_admin``: locked until an admin unlocks it.
    """

    email: str
    name: str
    role: Role
    agency: str | None
    state: State
    created: datetime
    demo: bool = False
    decided_by: str | None = None
    decided: datetime | None = None
    rejection_reason: str | None = None
    failures: int = 0
    locked_until: datetime | None = None
    held_for_admin: bool = False

    def actor(self) -> Actor:
        """What the workflow and the audit log are given about this account."""
        return Actor(account=self.email, role=self.role, agency=self.agency, name=self.name)

    def locked_at(self, now: datetime) -> bool:
        """Whether the account is locked out at ``now``."""
        return self.held_for_admin or (self.locked_until is not None and self.locked_until > now)


class AgencyLookup(Protocol):
    """Whether an agency code is registered (:class:`.agencies.AgencyRegister` is one)."""

    def exists(self, code: str) -> bool: ...


def checked_email(email: str, field: str = "email") -> str:
    """``email`` trimmed and in lower case. Raises InputError naming ``field`` when it is
    not an e-mail address or is too long."""
    text = email.strip().lower() if isinstance(email, str) else ""
    if not EMAIL.fullmatch(text) or len(text) > MAX_EMAIL:
        raise InputError(f"{email!r} is not an e-mail address (name@example.org)", field=field)
    return text


def checked_text(value: str | None, field: str, limit: int, *, what: str) -> str:
    """``value`` trimmed. Raises InputError naming ``field`` when it is missing, blank or
    longer than ``limit`` characters (``what`` says what is expected)."""
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise InputError(f"{what} is required", field=field)
    if len(text) > limit:
        raise InputError(f"{len(text)} characters; at most {limit} allowed", field=field)
    return text


def checked_role(role: Role | str) -> Role:
    """``role`` as a Role. Raises InputError naming the field ``role`` otherwise."""
    try:
        return Role(role)
    except ValueError:
        raise InputError(f"{role!r}: expected one of {', '.join(r.value for r in Role)}",
                         field="role") from None


class Accounts:
    """The accounts of ``database``. ``agencies`` checks agency codes (needed only for
    accounts of an agency), ``hasher`` hashes passwords set through it, ``audit`` gets an
    event for each change, ``clock`` says when."""

    def __init__(self, database: Database, audit: AuditLog, *,
                 agencies: AgencyLookup | None = None, hasher: Hasher | None = None,
                 clock: Clock = utc_now) -> None:
        self.database = database
        self.audit = audit
        self.agencies = agencies
        self.hasher = hasher or Hasher()
        self.clock = clock

    # -- reading ---------------------------------------------------------------------------

    def get(self, email: str) -> Account:
        """The account ``email``. Raises NotFound, InputError for a malformed e-mail."""
        address = checked_email(email)
        with self.database.transaction(write=False) as tx:
            return _read(tx, address)

    def list(self, *, agency: str | None = None, state: State | None = None,
             role: Role | None = None, after: str | None = None,
             limit: int = MAX_LIST) -> list[Account]:
        """Accounts by e-mail, of ``agency``, in ``state`` and with ``role`` when given, after
        the e-mail ``after``; at most ``limit`` (1 to :data:`MAX_LIST`). Each combination is
        served by an index (:mod:`.schema`). Raises InputError."""
        if not 1 <= limit <= MAX_LIST:
            raise InputError(f"expected 1 to {MAX_LIST} accounts, found {limit}", field="limit")
        clauses, params = [], []
        for column, value in (("agency", agency), ("role", role), ("state", state)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(str(value))
        if after is not None:
            clauses.append("email > ?")
            params.append(after)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self.database.transaction(write=False) as tx:
            rows = tx.all(f"SELECT {_COLUMNS} FROM accounts{where} ORDER BY email LIMIT ?",
                          (*params, limit))
        return [_account(row) for row in rows]

    def all(self) -> Iterator[Account]:
        """Every account, by e-mail, a page at a time."""
        after = None
        while page := self.list(after=after):
            yield from page
            after = page[-1].email

    # -- application and approval ----------------------------------------------------------

    def apply(self, email: str, name: str, role: Role | str, agency: str | None, *,
              password: str | None = None, client: str | None = None) -> Account:
        """An application (帳號申請): a new account in state ``applied``, or a rejected one
        applying again. ``password`` (optional) is checked and hashed now, so that the account
        can log in once approved. Raises InputError naming the field, ConflictError when the
        e-mail has an account that is not rejected."""
        account = self.checked(email, name, role, agency)
        hashed = self.hasher.hash(password) if password is not None else None
        with self.database.transaction() as tx:
            existing = _find(tx, account.email, lock=True)
            if existing is not None and existing.state is not State.REJECTED:
                raise ConflictError(f"{account.email} has an account already "
                                    f"({existing.state.value})")
            if existing is not None:
                tx.execute("DELETE FROM accounts WHERE email = ?", (account.email,))
            _insert(tx, account, hashed)
            self.audit.write(tx, AuditEvent("account.apply", who=account.email, client=client,
                                            details=_describe(account)))
        return account

    def create(self, email: str, name: str, role: Role | str, agency: str | None,
               password: str, *, by: str, demo: bool = False) -> Account:
        """An active account made by an operator (``yuliao users add``: ``by`` names them),
        with its password. Raises InputError naming the field, ConflictError when the e-mail
        has an account."""
        account = self.checked(email, name, role, agency, state=State.ACTIVE, demo=demo)
        hashed = self.hasher.hash(password)
        with self.database.transaction() as tx:
            _insert(tx, account, hashed)
            note = " (demo)" if demo else ""
            self.audit.write(tx, AuditEvent("account.create", who=by,
                                            details=f"{account.email} {_describe(account)}{note}"))
        return account

    def approve(self, email: str, by: Actor, *, client: str | None = None) -> Account:
        """Approve the application ``email`` (通過審核): it becomes active. Raises NotAllowed
        when ``by`` may not decide it, ConflictError when it is not an application."""
        return self._decide(email, by, State.ACTIVE, None, client)

    def reject(self, email: str, by: Actor, reason: str, *,
               client: str | None = None) -> Account:
        """Reject the application ``email`` with ``reason`` (不通過審核須註明原因). Raises
        InputError when the reason is missing or too long, NotAllowed, ConflictError."""
        text = checked_text(reason, "reason", MAX_REASON, what="a reason for the rejection")
        return self._decide(email, by, State.REJECTED, text, client)

    def _decide(self, email: str, by: Actor, state: State, reason: str | None,
                client: str | None) -> Account:
        address = checked_email(email)
        now = self.clock()
        with self.database.transaction() as tx:
            account = _read(tx, address, lock=True)
            may_administer(by, account)
            if account.state is not State.APPLIED:
                raise ConflictError(f"{address} is {account.state.value}, not an application "
                                    "waiting for a decision")
            tx.execute("UPDATE accounts SET state = ?, decided_by = ?, decided = ?, "
                       "rejection_reason = ? WHERE email = ?",
                       (state.value, by.account, stamp(now), reason, address))
            what = "account.approve" if state is State.ACTIVE else "account.reject"
            self.audit.write(tx, AuditEvent(what, who=by.account, client=client,
                                            details=f"{address}: {reason}" if reason
                                            else address))
            return _read(tx, address)

    # -- disabling, unlocking, passwords ---------------------------------------------------

    def disable(self, email: str, by: Actor, *, client: str | None = None) -> Account:
        """Disable the active account ``email``: it cannot log in, and all its sessions end
        in the same transaction. Raises NotAllowed (also for one's own account),
        ConflictError when it is not active."""
        return self._switch(email, by, State.ACTIVE, State.DISABLED, client)

    def enable(self, email: str, by: Actor, *, client: str | None = None) -> Account:
        """Enable the disabled account ``email`` again. Raises NotAllowed, ConflictError."""
        return self._switch(email, by, State.DISABLED, State.ACTIVE, client)

    def _switch(self, email: str, by: Actor, source: State, target: State,
                client: str | None) -> Account:
        address = checked_email(email)
        if address == by.account:
            raise NotAllowed(f"{address} cannot {_verb(target)} its own account")
        with self.database.transaction() as tx:
            account = _read(tx, address, lock=True)
            may_administer(by, account)
            if account.state is not source:
                raise ConflictError(f"{address} is {account.state.value}; only an account "
                                    f"that is {source.value} can be {target.value}")
            tx.execute("UPDATE accounts SET state = ? WHERE email = ?", (target.value, address))
            if target is State.DISABLED:
                end_sessions(tx, address)
            self.audit.write(tx, AuditEvent(f"account.{_verb(target)}", who=by.account,
                                            client=client, details=address))
            return _read(tx, address)

    def unlock(self, email: str, by: Actor, *, client: str | None = None) -> Account:
        """End the lockout of ``email`` and forget its wrong passwords. Raises NotAllowed,
        NotFound."""
        address = checked_email(email)
        with self.database.transaction() as tx:
            may_administer(by, _read(tx, address, lock=True))
            _unlock(tx, address)
            self.audit.write(tx, AuditEvent("account.unlock", who=by.account, client=client,
                                            details=address))
            return _read(tx, address)

    def set_password(self, email: str, password: str, by: Actor, *,
                     client: str | None = None) -> Account:
        """Give ``email`` a new password (reset by an admin or an operator): checked against
        the policy, hashed; all the account's sessions end and its lockout is lifted, in one
        transaction. Raises InputError naming the rule, NotAllowed, NotFound."""
        address = checked_email(email)
        hashed = self.hasher.hash(password)
        with self.database.transaction() as tx:
            may_administer(by, _read(tx, address, lock=True))
            tx.execute("UPDATE accounts SET password_hash = ? WHERE email = ?",
                       (hashed, address))
            end_sessions(tx, address)
            _unlock(tx, address)
            self.audit.write(tx, AuditEvent("password.reset", who=by.account, client=client,
                                            details=address))
            return _read(tx, address)

    # -- checks ----------------------------------------------------------------------------

    def checked(self, email: str, name: str, role: Role | str, agency: str | None, *,
                state: State = State.APPLIED, demo: bool = False) -> Account:
        """The account these fields make, checked but not stored (a form or a command checks
        them before it asks for a password). Raises InputError naming the field."""
        chosen = checked_role(role)
        return Account(
            email=checked_email(email), name=checked_text(name, "name", MAX_NAME,
                                                          what="a display name"),
            role=chosen, agency=self._agency_of(chosen, agency), state=state,
            created=self.clock(), demo=demo)

    def _agency_of(self, role: Role, agency: str | None) -> str | None:
        """The agency an account of ``role`` acts for. Raises InputError (field ``agency``):
        a platform admin has none, the others a registered one."""
        code = agency.strip() if agency else None
        if role is Role.PLATFORM_ADMIN:
            if code:
                raise InputError("a platform admin acts for every agency: give no agency",
                                 field="agency")
            return None
        if not code:
            raise InputError(f"a {role.value} acts for an agency: its code is required",
                             field="agency")
        if self.agencies is None:
            raise StoreError("the agency register is not open: agency codes cannot be checked")
        if not self.agencies.exists(code):
            raise InputError(f"no agency {code} is registered (yuliao agencies add)",
                             field="agency")
        return code


def may_administer(by: Actor, account: Account) -> None:
    """Raises NotAllowed, saying who may, unless ``by`` may approve, reject, disable, enable,
    unlock or reset ``account``: a platform admin always, an agency admin for a data provider
    of its own agency, nobody else (seed 001)."""
    if by.role is Role.PLATFORM_ADMIN:
        return
    if by.role is Role.AGENCY_ADMIN and account.role is Role.PROVIDER \
            and account.agency == by.agency:
        return
    if account.role is Role.PROVIDER:
        raise NotAllowed(f"only an agency admin of {account.agency} or a platform admin may "
                         f"administer {account.email}")
    raise NotAllowed(f"only a platform admin may administer {account.email} "
                     f"({account.role.value})")


def _verb(state: State) -> str:
    return "disable" if state is State.DISABLED else "enable"


def _describe(account: Account) -> str:
    return f"{account.role.value}" + (f" of {account.agency}" if account.agency else "")


# -- rows ----------------------------------------------------------------------------------


def _find(tx: Transaction, email: str, *, lock: bool = False) -> Account | None:
    row = tx.one(f"SELECT {_COLUMNS} FROM accounts WHERE email = ?"
                 f"{' FOR UPDATE' if lock else ''}", (email,))
    return None if row is None else _account(row)


def _read(tx: Transaction, email: str, *, lock: bool = False) -> Account:
    """The account ``email`` (its row locked for the transaction with ``lock``). Raises
    NotFound."""
    account = _find(tx, email, lock=lock)
    if account is None:
        raise NotFound(f"no account {email}")
    return account


def _insert(tx: Transaction, account: Account, hashed: str | None) -> None:
    """Store ``account``. Raises ConflictError when its e-mail has an account (also one
    that another process inserted a moment ago)."""
    added = tx.execute(
        "INSERT INTO accounts (email, name, role, agency, state, password_hash, demo, created) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING",
        (account.email, account.name, account.role.value, account.agency, account.state.value,
         hashed, int(account.demo), stamp(account.created)))
    if added != 1:
        raise ConflictError(f"{account.email} has an account already")


def _unlock(tx: Transaction, email: str) -> None:
    tx.execute("UPDATE accounts SET failures = 0, locked_until = NULL, held_for_admin = 0 "
               "WHERE email = ?", (email,))


def _account(row: tuple) -> Account:
    (email, name, role, agency, state, demo, created, decided_by, decided, reason, failures,
     locked_until, held) = row
    return Account(
        email=email, name=name, role=Role(role), agency=agency, state=State(state),
        created=moment(created), demo=bool(demo), decided_by=decided_by,
        decided=moment(decided) if decided else None, rejection_reason=reason,
        failures=failures, locked_until=moment(locked_until) if locked_until else None,
        held_for_admin=bool(held))
