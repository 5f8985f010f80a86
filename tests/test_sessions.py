"""Back-office sessions: opaque tokens kept as hashes, the idle timeout, logout, and every
session of an account ended when it is disabled or its password reset, for every process
that shares the database. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import secrets

import pytest

from repository import Config
from repository.accounts import AccountServices, AgencyRegister
from repository.accounts.sessions import MAX_LIFETIME
from repository.actors import Role
from repository.errors import ConflictError, NotFound
from tests.accounts_support import AGENCY_A, PASSWORD, Clock, cast, open_office


def test_a_session_resolves_to_its_actor_until_logout(office: AccountServices) -> None:
    people = cast(office)
    token = office.sessions.start(office.authenticate(people.provider_a.account, PASSWORD))
    assert office.sessions.resolve(token) == people.provider_a
    assert office.sessions.end(token, client="192.0.2.1")
    assert office.sessions.resolve(token) is None
    assert not office.sessions.end(token)
    logout = office.audit.query(what="logout").events[0]
    assert (logout.who, logout.client) == (people.provider_a.account, "192.0.2.1")


def test_every_login_gets_a_new_token_of_256_random_bits(office: AccountServices) -> None:
    people = cast(office)
    account = office.accounts.get(people.provider_a.account)
    tokens = {office.sessions.start(who) for who in (people.provider_a, account) * 10}
    assert len(tokens) == 20
    for token in tokens:
        assert len(base64.urlsafe_b64decode(token + "=")) == 32
        assert office.sessions.resolve(token) == people.provider_a


def test_the_database_keeps_only_a_hash_of_each_token(office: AccountServices) -> None:
    people = cast(office)
    token = office.sessions.start(people.admin_a)
    with office.database.transaction() as tx:
        rows = tx.all("SELECT * FROM sessions")
    kept = " ".join(str(value) for row in rows for value in row)
    assert token not in kept
    assert hashlib.sha256(token.encode()).hexdigest() in kept


def test_a_session_ends_after_the_idle_time_and_each_use_slides_it(
        accounts_config: Config, register: AgencyRegister, clock: Clock) -> None:
    with open_office(accounts_config, register, clock, session_idle_minutes=10) as office:
        people = cast(office)
        token = office.sessions.start(people.provider_a)
        for _ in range(5):  # used every 9 minutes: 45 minutes in all
            clock.advance(minutes=9)
            assert office.sessions.resolve(token) == people.provider_a
        clock.advance(minutes=10)
        assert office.sessions.resolve(token) is None
        clock.advance(minutes=-10)  # it is forgotten, not only refused
        assert office.sessions.resolve(token) is None


def test_a_session_ends_after_its_longest_lifetime_however_busy(
        office: AccountServices, clock: Clock) -> None:
    people = cast(office)
    token = office.sessions.start(people.provider_a)
    steps = int(MAX_LIFETIME.total_seconds() // 600)
    for _ in range(steps - 1):
        clock.advance(minutes=10)
        assert office.sessions.resolve(token) == people.provider_a
    clock.advance(minutes=10)
    assert office.sessions.resolve(token) is None


def test_disabling_an_account_ends_all_its_sessions(office: AccountServices) -> None:
    people = cast(office)
    tokens = [office.sessions.start(people.provider_a) for _ in range(3)]
    other = office.sessions.start(people.provider_b)
    office.accounts.disable(people.provider_a.account, people.admin_a)
    assert office.sessions.count(people.provider_a) == 0
    assert all(office.sessions.resolve(token) is None for token in tokens)
    office.accounts.enable(people.provider_a.account, people.admin_a)
    assert all(office.sessions.resolve(token) is None for token in tokens)
    assert office.sessions.resolve(other) == people.provider_b


def test_resetting_a_password_ends_all_sessions_of_the_account(office: AccountServices) -> None:
    people = cast(office)
    tokens = [office.sessions.start(people.admin_b) for _ in range(2)]
    office.accounts.set_password(people.admin_b.account, "a brand new password", people.platform)
    assert [office.sessions.resolve(token) for token in tokens] == [None, None]


def test_end_all_logs_an_account_out_everywhere(office: AccountServices) -> None:
    people = cast(office)
    tokens = [office.sessions.start(people.platform) for _ in range(4)]
    assert office.sessions.end_all(people.platform.account) == 4
    assert all(office.sessions.resolve(token) is None for token in tokens)
    assert office.audit.query(what="logout").events[0].details == "all 4 sessions ended"


def test_a_session_ended_through_one_object_is_ended_for_another(
        accounts_config: Config, register: AgencyRegister, clock: Clock,
        office: AccountServices) -> None:
    people = cast(office)
    with open_office(accounts_config, register, clock) as other:
        token = office.sessions.start(people.provider_a)
        assert other.sessions.resolve(token) == people.provider_a
        other.accounts.disable(people.provider_a.account, people.platform)
        assert office.sessions.resolve(token) is None


@pytest.mark.parametrize("token", [None, "", "x" * 500, "not-a-token", 42])
def test_anything_but_a_live_token_resolves_to_nobody(office: AccountServices, token) -> None:
    cast(office)
    assert office.sessions.resolve(token) is None
    assert office.sessions.resolve(secrets.token_urlsafe(32)) is None


def test_only_an_active_account_gets_a_session(office: AccountServices) -> None:
    people = cast(office)
    office.accounts.apply("applied@example.org", "a", Role.PROVIDER, AGENCY_A)
    with pytest.raises(ConflictError, match="applied"):
        office.sessions.start("applied@example.org")
    office.accounts.disable(people.admin_a.account, people.platform)
    with pytest.raises(ConflictError, match="disabled"):
        office.sessions.start(people.admin_a)
    with pytest.raises(NotFound):
        office.sessions.start("nobody@example.org")


def test_sessions_that_have_ended_are_forgotten_when_another_starts(
        office: AccountServices, clock: Clock) -> None:
    people = cast(office)
    for _ in range(3):
        office.sessions.start(people.provider_a)
    clock.advance(minutes=31)
    office.sessions.start(people.provider_b)
    assert office.sessions.count(people.provider_a) == 0
