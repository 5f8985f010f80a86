"""Logging in (seed 004 §9): one message for every failure, one Argon2id verification in every
case, the lockout after three wrong passwords, held across processes; Argon2id hashes and
the password policy; no password in a log. On SQLite and on PostgreSQL."""

from __future__ import annotations

import contextlib
import logging
import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from repository import Config
from repository.accounts import AccountServices, AgencyRegister, Hasher, State
from repository.accounts.passwords import MAX_LENGTH, MIN_LENGTH, check_password
from repository.actors import Role
from repository.errors import InputError, LoginFailed
from tests.accounts_support import (
    AGENCY_A,
    PASSWORD,
    Clock,
    cast,
    open_office,
)
from tests.conftest import ROOT

WRONG = "not the password at all"


class CountingHasher(PasswordHasher):
    """argon2-cffi's hasher at its cheapest parameters, counting the hashes it verifies."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=8, parallelism=1)
        self.verified = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
        self.verified += 1
        return super().verify(hash, password)


def refused(office: AccountServices, email: str, password: str) -> LoginFailed:
    with pytest.raises(LoginFailed) as failure:
        office.authenticate(email, password, client="192.0.2.1")
    return failure.value


def lock(office: AccountServices, email: str) -> None:
    for _ in range(3):
        refused(office, email, WRONG)


def test_the_right_password_logs_in_as_the_accounts_actor(office: AccountServices) -> None:
    people = cast(office)
    actor = office.authenticate(" Provider.A@Example.org ", PASSWORD, client="192.0.2.1")
    assert actor == people.provider_a and actor.agency == AGENCY_A
    success = office.audit.query(what="login.success").events[0]
    assert (success.who, success.client) == (people.provider_a.account, "192.0.2.1")


def test_every_failure_says_the_same_whatever_was_wrong(office: AccountServices) -> None:
    people = cast(office)
    office.accounts.apply("applied@example.org", "a", Role.PROVIDER, AGENCY_A, password=PASSWORD)
    office.accounts.apply("rejected@example.org", "r", Role.PROVIDER, AGENCY_A, password=PASSWORD)
    office.accounts.reject("rejected@example.org", people.platform, "no")
    office.accounts.disable(people.provider_b.account, people.platform)
    lock(office, people.admin_b.account)
    failures = [refused(office, email, password) for email, password in (
        ("nobody@example.org", PASSWORD), ("not an e-mail", PASSWORD), ("", PASSWORD),
        (people.provider_a.account, WRONG), ("applied@example.org", PASSWORD),
        ("rejected@example.org", PASSWORD), (people.provider_b.account, PASSWORD),
        (people.admin_b.account, PASSWORD))]
    assert {(str(f), f.status, type(f)) for f in failures} == {
        ("帳號或密碼錯誤 / Wrong account or password", 401, LoginFailed)}
    reasons = [e.details for e in office.audit.query(what="login.failure", limit=8).events]
    assert reasons[::-1] == ["no such account", "no such account", "no such account",
                             "wrong password", "account applied", "account rejected",
                             "account disabled", "locked"]


def test_every_login_verifies_exactly_one_hash_whatever_happens(
        accounts_config: Config, register: AgencyRegister, clock: Clock) -> None:
    hasher = CountingHasher()
    with AccountServices.open(accounts_config, agencies=register, hasher=hasher,
                              clock=clock) as office:
        people = cast(office)
        office.accounts.apply("nopassword@example.org", "n", Role.PROVIDER, AGENCY_A)
        office.accounts.approve("nopassword@example.org", people.platform)
        office.accounts.disable(people.provider_b.account, people.platform)
        lock(office, people.admin_b.account)
        attempts = [("nobody@example.org", PASSWORD), ("x" * 400, PASSWORD), ("", ""),
                    (people.provider_a.account, WRONG),
                    ("nopassword@example.org", PASSWORD),
                    (people.provider_b.account, PASSWORD), (people.admin_b.account, PASSWORD),
                    (people.admin_b.account, WRONG), (people.platform.account, PASSWORD)]
        counts = []
        for email, password in attempts:
            before = hasher.verified
            with contextlib.suppress(LoginFailed):
                office.authenticate(email, password)
            counts.append(hasher.verified - before)
    assert counts == [1] * len(attempts)


def test_three_wrong_passwords_lock_the_account_even_against_the_right_one(
        office: AccountServices, clock: Clock) -> None:
    people = cast(office)
    refused(office, people.provider_a.account, WRONG)
    refused(office, people.provider_a.account, WRONG)
    assert not office.accounts.get(people.provider_a.account).locked_at(clock())
    refused(office, people.provider_a.account, WRONG)
    assert office.accounts.get(people.provider_a.account).locked_at(clock())
    refused(office, people.provider_a.account, PASSWORD)
    lockout = office.audit.query(what="login.lockout").events
    assert [e.who for e in lockout] == [people.provider_a.account]
    assert office.authenticate(people.provider_b.account, PASSWORD) == people.provider_b


def test_the_lock_ends_after_the_configured_minutes_and_the_count_starts_again(
        accounts_config: Config, register: AgencyRegister, clock: Clock) -> None:
    with open_office(accounts_config, register, clock, lockout_minutes=20) as office:
        people = cast(office)
        lock(office, people.provider_a.account)
        clock.advance(minutes=19, seconds=59)
        refused(office, people.provider_a.account, PASSWORD)
        clock.advance(seconds=1)
        refused(office, people.provider_a.account, WRONG)  # one wrong: not locked again
        assert office.authenticate(people.provider_a.account, PASSWORD) == people.provider_a


def test_a_right_password_resets_the_count(office: AccountServices) -> None:
    people = cast(office)
    for _ in range(2):
        refused(office, people.provider_a.account, WRONG)
        refused(office, people.provider_a.account, WRONG)
        assert office.authenticate(people.provider_a.account, PASSWORD) == people.provider_a


def test_with_unlock_by_admin_only_an_admin_ends_the_lock(
        accounts_config: Config, register: AgencyRegister, clock: Clock) -> None:
    with open_office(accounts_config, register, clock, unlock_by_admin=True) as office:
        people = cast(office)
        lock(office, people.provider_a.account)
        clock.advance(days=30)
        refused(office, people.provider_a.account, PASSWORD)
        assert "until an admin unlocks it" in office.audit.query(
            what="login.lockout").events[0].details
        unlocked = office.accounts.unlock(people.provider_a.account, people.admin_a)
        assert (unlocked.failures, unlocked.held_for_admin) == (0, False)
        assert office.authenticate(people.provider_a.account, PASSWORD) == people.provider_a


def test_a_lockout_made_through_one_object_holds_in_another(
        accounts_config: Config, register: AgencyRegister, clock: Clock,
        office: AccountServices) -> None:
    people = cast(office)
    with open_office(accounts_config, register, clock) as other:
        refused(office, people.provider_a.account, WRONG)
        refused(other, people.provider_a.account, WRONG)
        refused(office, people.provider_a.account, WRONG)
        refused(other, people.provider_a.account, PASSWORD)


FAIL_ONCE = """
import sys
from pathlib import Path
from repository import Config
from repository.accounts import AccountServices
from repository.config import AccountSettings
from repository.errors import LoginFailed

home, database, email = sys.argv[1:]
config = Config(home=Path(home), accounts=AccountSettings(database=database or None))
with AccountServices.open(config) as office:
    try:
        office.authenticate(email, "not the password at all", client="198.51.100.9")
    except LoginFailed as failure:
        print(failure)
"""


def test_a_lockout_made_by_another_process_holds_in_this_one(
        accounts_config: Config, office: AccountServices) -> None:
    people = cast(office)
    refused(office, people.provider_a.account, WRONG)
    refused(office, people.provider_a.account, WRONG)
    done = subprocess.run(
        [sys.executable, "-c", FAIL_ONCE, str(accounts_config.home),
         accounts_config.accounts.database or "", people.provider_a.account],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == LoginFailed.MESSAGE
    lockout = office.audit.query(what="login.lockout").events[0]
    assert (lockout.who, lockout.client) == (people.provider_a.account, "198.51.100.9")
    refused(office, people.provider_a.account, PASSWORD)


def test_no_password_reaches_a_log_or_the_audit_log(office: AccountServices,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    people = cast(office)
    office.authenticate(people.provider_a.account, PASSWORD)
    lock(office, people.provider_a.account)
    office.accounts.set_password(people.provider_a.account, "another long password",
                                 people.platform)
    with pytest.raises(InputError):
        office.accounts.set_password(people.provider_a.account, "short pw", people.platform)
    written = " ".join(str(vars(e)) for e in office.audit.events())
    for secret in (PASSWORD, WRONG, "another long password", "short pw", "$argon2"):
        assert secret not in caplog.text and secret not in written


def test_a_reset_password_replaces_the_old_one(office: AccountServices) -> None:
    people = cast(office)
    office.accounts.set_password(people.provider_a.account, "another long password",
                                 people.admin_a)
    refused(office, people.provider_a.account, PASSWORD)
    assert office.authenticate(people.provider_a.account, "another long password")
    assert office.audit.query(what="password.reset").events[0].who == people.admin_a.account


def test_a_hash_with_older_parameters_is_made_again_at_login(
        accounts_config: Config, register: AgencyRegister, clock: Clock,
        office: AccountServices) -> None:
    people = cast(office)  # hashed at the cheapest parameters

    def stored() -> str:
        with office.database.transaction() as tx:
            row = tx.one("SELECT password_hash FROM accounts WHERE email = ?",
                         (people.platform.account,))
        return row[0]

    assert stored().startswith("$argon2id$v=19$m=8,t=1,p=1$")
    with AccountServices.open(accounts_config, agencies=register, clock=clock) as current:
        current.authenticate(people.platform.account, PASSWORD)
    assert stored().startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert office.authenticate(people.platform.account, PASSWORD) == people.platform


def test_passwords_are_argon2id_hashes_salted_anew_each_time() -> None:
    hasher = Hasher(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    first, second = hasher.hash(PASSWORD), hasher.hash(PASSWORD)
    assert first.startswith("$argon2id$") and first != second
    assert hasher.verify(first, PASSWORD) and not hasher.verify(first, WRONG)
    assert not hasher.verify(None, PASSWORD) and not hasher.verify("not a hash", PASSWORD)
    assert Hasher().dummy.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


@pytest.mark.parametrize(("password", "rule"), [
    ("x" * (MIN_LENGTH - 1), f"at least {MIN_LENGTH} characters"),
    ("x" * (MAX_LENGTH + 1), f"at most {MAX_LENGTH} characters"),
    (" " * MIN_LENGTH, "only spaces"),
])
def test_the_password_policy_names_the_rule_and_never_the_password(password: str,
                                                                    rule: str) -> None:
    with pytest.raises(InputError, match=rule) as refused_password:
        check_password(password)
    assert refused_password.value.field == "password"
    assert password not in str(refused_password.value)


def test_twelve_characters_are_enough() -> None:
    check_password("x" * MIN_LENGTH)
    check_password("密" * MIN_LENGTH)
    check_password("x" * MAX_LENGTH)


def test_a_locked_account_shows_as_locked_and_unlocks(office: AccountServices,
                                                      clock: Clock) -> None:
    people = cast(office)
    lock(office, people.provider_a.account)
    account = office.accounts.get(people.provider_a.account)
    assert account.state is State.ACTIVE and account.locked_at(clock())
    assert not office.accounts.unlock(people.provider_a.account,
                                      people.platform).locked_at(clock())
    assert office.audit.query(what="account.unlock").events[0].details == \
        people.provider_a.account
