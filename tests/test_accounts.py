"""Accounts: application (帳號申請), who approves whom (seed 001), rejection with a reason,
disabling, and the errors each refusal carries; on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from repository import Config
from repository.accounts import AccountServices, AgencyRegister, State
from repository.actors import Role
from repository.errors import ConflictError, InputError, LoginFailed, NotAllowed, NotFound
from tests.accounts_support import (
    AGENCY_A,
    AGENCY_B,
    OPERATOR,
    PASSWORD,
    Clock,
    cast,
    open_office,
)

APPLICANT = "applicant@example.org"


def apply_provider(office: AccountServices, agency: str = AGENCY_A,
                   email: str = APPLICANT) -> None:
    office.accounts.apply(email, "林申請", Role.PROVIDER, agency, password=PASSWORD)


def test_an_application_waits_for_approval_and_only_then_can_log_in(
        office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office)
    assert office.accounts.get(APPLICANT).state is State.APPLIED
    with pytest.raises(LoginFailed):
        office.authenticate(APPLICANT, PASSWORD)
    approved = office.accounts.approve(APPLICANT, people.admin_a)
    assert (approved.state, approved.decided_by) == (State.ACTIVE, people.admin_a.account)
    assert office.authenticate(APPLICANT, PASSWORD).agency == AGENCY_A


def test_an_agency_admin_approves_the_providers_of_its_own_agency_only(
        office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office, AGENCY_A)
    with pytest.raises(NotAllowed, match=f"agency admin of {AGENCY_A}") as refused:
        office.accounts.approve(APPLICANT, people.admin_b)
    assert refused.value.status == 403
    assert office.accounts.get(APPLICANT).state is State.APPLIED
    assert office.accounts.approve(APPLICANT, people.admin_a).state is State.ACTIVE


def test_only_a_platform_admin_approves_an_agency_admin(office: AccountServices) -> None:
    people = cast(office)
    office.accounts.apply(APPLICANT, "王申請", Role.AGENCY_ADMIN, AGENCY_A)
    for someone in (people.admin_a, people.provider_a):
        with pytest.raises(NotAllowed, match="only a platform admin"):
            office.accounts.approve(APPLICANT, someone)
    assert office.accounts.approve(APPLICANT, people.platform).state is State.ACTIVE


def test_a_platform_admin_may_approve_anyone_and_a_provider_nobody(
        office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office, AGENCY_B)
    with pytest.raises(NotAllowed):
        office.accounts.approve(APPLICANT, people.provider_b)
    assert office.accounts.approve(APPLICANT, people.platform).state is State.ACTIVE


def test_a_rejection_needs_a_reason_and_keeps_it(office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office)
    for blank in ("", "   "):
        with pytest.raises(InputError, match="reason") as refused:
            office.accounts.reject(APPLICANT, people.admin_a, blank)
        assert (refused.value.field, refused.value.status) == ("reason", 400)
    rejected = office.accounts.reject(APPLICANT, people.admin_a, "請以公務帳號申請")
    assert (rejected.state, rejected.rejection_reason) == (State.REJECTED, "請以公務帳號申請")
    with pytest.raises(LoginFailed):
        office.authenticate(APPLICANT, PASSWORD)


def test_an_application_is_decided_once(office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office)
    office.accounts.approve(APPLICANT, people.admin_a)
    for decide in (lambda: office.accounts.approve(APPLICANT, people.platform),
                   lambda: office.accounts.reject(APPLICANT, people.platform, "late")):
        with pytest.raises(ConflictError, match="not an application") as refused:
            decide()
        assert refused.value.status == 409


def test_a_rejected_person_may_apply_again_and_an_account_holder_may_not(
        office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office)
    office.accounts.reject(APPLICANT, people.admin_a, "wrong agency")
    apply_provider(office, AGENCY_B)
    assert office.accounts.get(APPLICANT).agency == AGENCY_B
    with pytest.raises(ConflictError, match="has an account already"):
        apply_provider(office, AGENCY_B)
    with pytest.raises(ConflictError):
        office.accounts.apply(people.provider_a.account.upper(), "x", Role.PROVIDER, AGENCY_A)


@pytest.mark.parametrize(("role", "agency", "message"), [
    (Role.PROVIDER, None, "code is required"),
    (Role.AGENCY_ADMIN, "", "code is required"),
    (Role.PROVIDER, "Z99999999Z", "no agency Z99999999Z is registered"),
    (Role.PLATFORM_ADMIN, AGENCY_A, "give no agency"),
])
def test_the_agency_of_an_account_follows_its_role(office: AccountServices, role: Role,
                                                   agency: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        office.accounts.apply(APPLICANT, "someone", role, agency)
    assert refused.value.field == "agency"
    with pytest.raises(NotFound):
        office.accounts.get(APPLICANT)


@pytest.mark.parametrize(("email", "name", "role", "password", "field"), [
    ("not-an-address", "n", "data-provider", None, "email"),
    ("a@b", "n", "data-provider", None, "email"),
    (f"{'x' * 250}@example.org", "n", "data-provider", None, "email"),
    (APPLICANT, "  ", "data-provider", None, "name"),
    (APPLICANT, "n" * 201, "data-provider", None, "name"),
    (APPLICANT, "n", "archivist", None, "role"),
    (APPLICANT, "n", "data-provider", "short", "password"),
])
def test_malformed_input_is_refused_naming_the_field(office: AccountServices, email: str,
                                                     name: str, role: str,
                                                     password: str | None, field: str) -> None:
    with pytest.raises(InputError) as refused:
        office.accounts.apply(email, name, role, AGENCY_A, password=password)
    assert refused.value.field == field and f"field {field}" in str(refused.value)
    assert "\n" not in str(refused.value)
    assert password is None or password not in str(refused.value)


def test_e_mails_are_one_account_whatever_their_case(office: AccountServices) -> None:
    office.accounts.apply("Lin.Applicant@Example.ORG", "林", Role.PROVIDER, AGENCY_A)
    assert office.accounts.get("lin.applicant@example.org").email == \
        "lin.applicant@example.org"


def test_a_disabled_account_cannot_log_in_until_enabled(office: AccountServices) -> None:
    people = cast(office)
    assert office.accounts.disable(people.provider_a.account, people.admin_a).state is \
        State.DISABLED
    with pytest.raises(LoginFailed):
        office.authenticate(people.provider_a.account, PASSWORD)
    with pytest.raises(ConflictError, match="only an account that is active"):
        office.accounts.disable(people.provider_a.account, people.platform)
    office.accounts.enable(people.provider_a.account, people.platform)
    assert office.authenticate(people.provider_a.account, PASSWORD) == people.provider_a


def test_disabling_follows_the_approval_rule_and_never_ones_own_account(
        office: AccountServices) -> None:
    people = cast(office)
    with pytest.raises(NotAllowed):
        office.accounts.disable(people.provider_b.account, people.admin_a)
    with pytest.raises(NotAllowed, match="only a platform admin"):
        office.accounts.disable(people.admin_a.account, people.admin_b)
    with pytest.raises(NotAllowed, match="its own account"):
        office.accounts.disable(people.platform.account, people.platform)
    assert office.accounts.get(people.provider_b.account).state is State.ACTIVE


def test_an_unknown_account_is_not_found(office: AccountServices) -> None:
    people = cast(office)
    for act in (lambda: office.accounts.approve("nobody@example.org", people.platform),
                lambda: office.accounts.disable("nobody@example.org", people.platform),
                lambda: office.accounts.get("nobody@example.org")):
        with pytest.raises(NotFound, match="no account nobody@example.org") as missing:
            act()
        assert missing.value.status == 404


def test_each_change_writes_its_audit_event_and_a_refused_one_writes_none(
        office: AccountServices) -> None:
    people = cast(office)
    apply_provider(office)
    before = office.audit.query().events[0].number
    with pytest.raises(NotAllowed):
        office.accounts.approve(APPLICANT, people.admin_b)
    assert office.audit.query().events[0].number == before
    office.accounts.reject(APPLICANT, people.admin_a, "請補件", client="192.0.2.7")
    office.accounts.disable(people.provider_a.account, people.admin_a)
    office.accounts.enable(people.provider_a.account, people.admin_a)
    events = office.audit.query(what="account").events
    assert [(e.what, e.who) for e in events[:4]] == [
        ("account.enable", people.admin_a.account), ("account.disable", people.admin_a.account),
        ("account.reject", people.admin_a.account), ("account.apply", APPLICANT)]
    assert events[2].client == "192.0.2.7" and "請補件" in events[2].details
    assert events[-1] == office.audit.query(what="account.create").events[-1]
    assert events[-1].who == OPERATOR


def test_an_account_never_shows_a_password_or_its_hash(office: AccountServices) -> None:
    people = cast(office)
    shown = " ".join(repr(a) for a in office.accounts.all())
    assert people.provider_a.account in shown
    assert PASSWORD not in shown and "argon2" not in shown


def test_accounts_are_listed_by_e_mail_and_filtered_by_agency_and_state(
        office: AccountServices) -> None:
    cast(office)
    apply_provider(office, AGENCY_B)
    assert [a.email for a in office.accounts.list(agency=AGENCY_B)] == [
        "admin.b@example.org", APPLICANT, "provider.b@example.org"]
    assert [a.email for a in office.accounts.list(state=State.APPLIED)] == [APPLICANT]
    first_two = office.accounts.list(limit=2)
    assert [a.email for a in office.accounts.list(after=first_two[-1].email, limit=1)] == [
        [a.email for a in office.accounts.all()][2]]
    with pytest.raises(InputError, match="1 to 1000"):
        office.accounts.list(limit=0)


def test_accounts_are_filtered_by_role_for_an_agency_admins_list(
        office: AccountServices) -> None:
    cast(office)
    apply_provider(office, AGENCY_B)
    providers = office.accounts.list(agency=AGENCY_B, role=Role.PROVIDER)
    assert [a.email for a in providers] == [APPLICANT, "provider.b@example.org"]
    waiting = office.accounts.list(agency=AGENCY_B, role=Role.PROVIDER, state=State.APPLIED)
    assert [a.email for a in waiting] == [APPLICANT]
    assert [a.email for a in office.accounts.list(role=Role.PLATFORM_ADMIN)] == [
        "platform@example.org"]


def test_applications_for_one_e_mail_at_once_make_one_account(
        accounts_config: Config, register: AgencyRegister, clock: Clock) -> None:
    offices = [open_office(accounts_config, register, clock) for _ in range(4)]
    start = threading.Barrier(len(offices))

    def apply(office: AccountServices) -> str:
        start.wait(timeout=30)
        try:
            apply_provider(office)
        except ConflictError:
            return "conflict"
        return "applied"

    try:
        with ThreadPoolExecutor(len(offices)) as pool:
            outcomes = sorted(pool.map(apply, offices))
    finally:
        for office in offices:
            office.close()
    assert outcomes == ["applied", "conflict", "conflict", "conflict"]
