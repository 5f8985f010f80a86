"""What the tests of the accounts database share: the two backends, a clock the test moves,
a real agency register, and the cast of accounts (the fixtures ``accounts_config``,
``register``, ``clock`` and ``office`` are in tests/conftest.py).

Every test that uses the ``office`` fixture runs twice: on SQLite in the test's home, and on a
database of its own on the session's PostgreSQL server (tests/postgres_server.py; skipped,
saying why, when PostgreSQL is not installed). Passwords are hashed with Argon2id at its
cheapest parameters, which are still real Argon2id hashes: the tests verify many.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher

from repository import Config
from repository.accounts import AccountServices, AgencyRegister
from repository.actors import Actor, Role

DATABASES = ("sqlite", "postgresql")
AGENCY_A, AGENCY_B = "A29000000G", "A29020000G"
PASSWORD = "correct horse battery staple"
OPERATOR = "cli:test"


def fast_hasher() -> PasswordHasher:
    """Argon2id at its smallest cost (1 pass, 8 KiB, 1 lane)."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


class Clock:
    """The time as the test sets it: starts at a fixed moment, moves when told."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Cast:
    """Active accounts, one per role and agency, as actors."""

    platform: Actor
    admin_a: Actor
    provider_a: Actor
    admin_b: Actor
    provider_b: Actor


def open_office(config: Config, register: AgencyRegister | None, clock: Clock,
                **settings) -> AccountServices:
    """Services over the accounts database of ``config`` with ``settings`` of [accounts]."""
    if settings:
        config = replace(config, accounts=replace(config.accounts, **settings))
    return AccountServices.open(config, agencies=register, hasher=fast_hasher(), clock=clock)


def cast(office: AccountServices) -> Cast:
    """The active accounts of :class:`Cast`, made by the operator, each with PASSWORD."""
    made = {}
    for key, email, role, agency in (
            ("platform", "platform@example.org", Role.PLATFORM_ADMIN, None),
            ("admin_a", "admin.a@example.org", Role.AGENCY_ADMIN, AGENCY_A),
            ("provider_a", "provider.a@example.org", Role.PROVIDER, AGENCY_A),
            ("admin_b", "admin.b@example.org", Role.AGENCY_ADMIN, AGENCY_B),
            ("provider_b", "provider.b@example.org", Role.PROVIDER, AGENCY_B)):
        account = office.accounts.create(email, key, role, agency, PASSWORD, by=OPERATOR)
        made[key] = account.actor()
    return Cast(**made)
