"""The back office's people: agencies, accounts, logins, sessions and the audit log.

Agencies are RDF in the store (:mod:`.agencies`); everything else is SQL in the accounts
database (:mod:`.database`: SQLite in the home, or PostgreSQL for several machines), never in
the triple store, so no dump or export can carry a password hash. :class:`AccountServices`
opens the database once and hands out its parts::

    with AccountServices.open(config, agencies=AgencyRegister.of(repository)) as office:
        office.accounts.apply("lin@example.org", "林範例", Role.PROVIDER, "A29000000G")
        actor = office.authenticate("lin@example.org", password, client="192.0.2.1")
        token = office.sessions.start(actor)
        office.audit.append(AuditEvent("record.save", who=actor.account, record="00001174"))

No HTTP here: the web layer keeps the token in a cookie and calls :meth:`Sessions.resolve`
on every request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher

from ..actors import Actor, Role
from ..config import Config
from .acceptances import LicenceAcceptances
from .accounts import Account, Accounts, AgencyLookup, State
from .agencies import Agency, AgencyContact, AgencyRegister, new_agency
from .audit import AuditEvent, AuditLog, AuditPage
from .database import Clock, Database, open_database, utc_now
from .login import IdentityProvider, LocalPasswords, Password
from .passwords import Hasher, check_password
from .sessions import Sessions

__all__ = [
    "Account", "AccountServices", "Accounts", "Actor", "Agency", "AgencyContact",
    "AgencyLookup", "AgencyRegister", "AuditEvent", "AuditLog", "AuditPage", "Hasher",
    "IdentityProvider", "LocalPasswords", "Password", "Role", "Sessions", "State",
    "check_password", "new_agency", "open_database",
]


@dataclass
class AccountServices:
    """The accounts database of one home and what works on it."""

    database: Database
    accounts: Accounts
    login: LocalPasswords
    sessions: Sessions
    audit: AuditLog
    acceptances: LicenceAcceptances

    @classmethod
    def open(cls, config: Config, *, agencies: AgencyLookup | None = None,
             hasher: PasswordHasher | None = None, clock: Clock = utc_now) -> AccountServices:
        """The services over the accounts database of ``config`` (``[accounts]``), checking
        agency codes with ``agencies``, hashing with ``hasher`` (when None: Argon2id at the
        cost ``[accounts] hash_memory_kib`` and ``hash_passes`` set), telling the time with
        ``clock``. Raises NotFound for a home that does not exist, StoreError when the
        database cannot be opened."""
        settings = config.accounts
        database = open_database(config)
        audit = AuditLog(database, clock)
        hashing = Hasher(hasher or PasswordHasher(memory_cost=settings.hash_memory_kib,
                                                  time_cost=settings.hash_passes))
        return cls(
            database=database, audit=audit,
            accounts=Accounts(database, audit, agencies=agencies, hasher=hashing, clock=clock),
            login=LocalPasswords(database, audit, hasher=hashing,
                                 lockout=timedelta(minutes=settings.lockout_minutes),
                                 unlock_by_admin=settings.unlock_by_admin, clock=clock),
            sessions=Sessions(database, audit,
                              idle=timedelta(minutes=settings.session_idle_minutes),
                              clock=clock),
            acceptances=LicenceAcceptances(database, audit, clock))

    def authenticate(self, email: str, password: str, client: str | None = None) -> Actor:
        """A local login (:meth:`LocalPasswords.authenticate`). Raises LoginFailed."""
        return self.login.authenticate(Password(email, password), client)

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> AccountServices:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
