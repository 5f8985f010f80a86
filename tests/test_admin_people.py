"""The people pages of the back office through the real application: a person applies, the
right admin approves or rejects (with a reason), accounts are disabled (their sessions end),
enabled, unlocked and given a new password; agency admins administer their own agency's data
providers and nobody else, on GET as on POST; every POST needs its CSRF token; agencies are
added and edited with the field's message on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from endpoints.admin import SESSION_COOKIE
from repository.accounts import AgencyRegister, State, new_agency
from tests.accounts_support import AGENCY_A, AGENCY_B, PASSWORD
from tests.office_support import (
    Office,
    csrf_token,
    next_page,
    office_home,
    sign_in,
    signed_in,
)

NEWCOMER = "newcomer@example.org"
NEW_PASSWORD = "a newcomer's long password"
PLATFORM, ADMIN_A, PROVIDER_A = ("platform@example.org", "admin.a@example.org",
                                 "provider.a@example.org")
ADMIN_B, PROVIDER_B = "admin.b@example.org", "provider.b@example.org"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri="http://127.0.0.1:8000/") as office:
        yield office


def apply(client: FlaskClient, *, email: str = NEWCOMER, role: str = "data-provider",
          agency: str = AGENCY_A, password: str = NEW_PASSWORD, again: str | None = None,
          name: str = "林新人"):
    """Fill in and send the application form as a browser would."""
    form = client.get("/apply")
    assert form.status_code == 200
    return client.post("/apply", data={
        "csrf_token": csrf_token(form.data), "email": email, "name": name, "role": role,
        "agency": agency, "password": password,
        "password_again": password if again is None else again})


def act(client: FlaskClient, email: str, action: str, **fields: str):
    """Send one of the account page's forms (with the page's CSRF token)."""
    page = client.get(f"/admin/accounts/{email}")
    token = csrf_token(page.data) if page.status_code == 200 else csrf_token(
        client.get("/admin").data)
    return client.post(f"/admin/accounts/{email}",
                       data={"csrf_token": token, "action": action, **fields})


# -- application and approval -----------------------------------------------------------------


def test_a_person_applies_the_agency_admin_approves_and_the_provider_signs_in(office: Office):
    applied = apply(office.client())
    assert applied.status_code == 200 and "等待核准" in applied.data.decode()
    assert sign_in(office.client(), NEWCOMER, NEW_PASSWORD).status_code == 401
    admin = signed_in(office, ADMIN_A)
    listing = admin.get("/admin/accounts").data.decode()
    waiting = listing.split('id="waiting"')[1].split("</section>")[0]
    assert NEWCOMER in waiting
    response = act(admin, NEWCOMER, "approve")
    assert response.status_code == 302
    assert "帳號已核准" in admin.get(response.headers["Location"]).data.decode()
    assert office.services.accounts.get(NEWCOMER).state is State.ACTIVE
    assert sign_in(office.client(), NEWCOMER, NEW_PASSWORD).status_code == 302
    approved = office.services.audit.query(what="account.approve").events[0]
    assert approved.who == ADMIN_A and approved.details == NEWCOMER


def test_the_login_page_links_to_the_application(office: Office):
    assert 'href="/apply"' in office.client().get("/login").data.decode()


def test_an_application_with_a_wrong_field_shows_the_message_at_the_field(office: Office):
    short = apply(office.client(), password="too short")
    assert short.status_code == 400
    page = short.data.decode()
    assert 'id="password-error"' in page and "12 characters" in page
    assert 'value="newcomer@example.org"' in page  # what was typed stays
    differ = apply(office.client(), again="another long password")
    assert differ.status_code == 400 and 'id="password_again-error"' in differ.data.decode()
    nowhere = apply(office.client(), agency="NOWHERE")
    assert nowhere.status_code == 400 and 'id="agency-error"' in nowhere.data.decode()
    platform = apply(office.client(), role="platform-admin", agency="")
    assert platform.status_code == 400 and 'id="role-error"' in platform.data.decode()
    with pytest.raises(Exception, match="no account"):
        office.services.accounts.get(NEWCOMER)


def test_applying_with_the_e_mail_of_an_account_answers_alike_and_changes_nothing(
        office: Office):
    fresh = apply(office.client(), email="someone.new@example.org")
    taken = apply(office.client(), email=PROVIDER_A)
    assert taken.status_code == fresh.status_code == 200
    assert taken.data.decode().split("<main>")[1] == fresh.data.decode().split("<main>")[1]
    assert office.services.accounts.get(PROVIDER_A).state is State.ACTIVE
    assert sign_in(office.client(), PROVIDER_A, PASSWORD).status_code == 302
    refused = office.services.audit.query(what="account.apply-refused").events[0]
    assert refused.details == PROVIDER_A


def test_a_rejection_needs_a_reason_and_the_reason_is_kept(office: Office):
    apply(office.client())
    admin = signed_in(office, ADMIN_A)
    empty = act(admin, NEWCOMER, "reject", reason="  ")
    assert empty.status_code == 400 and 'id="reason-error"' in empty.data.decode()
    assert office.services.accounts.get(NEWCOMER).state is State.APPLIED
    rejected = act(admin, NEWCOMER, "reject", reason="請以公務信箱申請")
    assert rejected.status_code == 302
    account = office.services.accounts.get(NEWCOMER)
    assert account.state is State.REJECTED and account.rejection_reason == "請以公務信箱申請"
    assert "請以公務信箱申請" in admin.get(f"/admin/accounts/{NEWCOMER}").data.decode()
    assert sign_in(office.client(), NEWCOMER, NEW_PASSWORD).status_code == 401


def test_an_agency_admins_application_is_for_a_platform_admin_to_approve(office: Office):
    apply(office.client(), role="agency-admin", email="chief@example.org")
    admin = signed_in(office, ADMIN_A)
    assert "chief@example.org" not in admin.get("/admin/accounts").data.decode()
    assert admin.get("/admin/accounts/chief@example.org").status_code == 403
    assert act(admin, "chief@example.org", "approve").status_code == 403
    platform = signed_in(office, PLATFORM)
    assert "chief@example.org" in platform.get("/admin/accounts").data.decode()
    assert act(platform, "chief@example.org", "approve").status_code == 302
    assert office.services.accounts.get("chief@example.org").state is State.ACTIVE


# -- disabling, enabling, unlocking, passwords ------------------------------------------------


def test_disabling_through_the_page_ends_the_sessions_and_enabling_restores_login(
        office: Office):
    provider = signed_in(office, PROVIDER_A)
    assert provider.get("/admin").status_code == 200
    admin = signed_in(office, ADMIN_A)
    assert act(admin, PROVIDER_A, "disable").status_code == 302
    assert provider.get("/admin").status_code == 302  # sent to the login page
    assert sign_in(office.client(), PROVIDER_A).status_code == 401
    assert act(admin, PROVIDER_A, "disable").status_code == 409  # not active any more
    assert act(admin, PROVIDER_A, "enable").status_code == 302
    assert sign_in(office.client(), PROVIDER_A).status_code == 302
    said = [e.what for e in office.services.audit.query(who=ADMIN_A, what="account").events]
    assert said == ["account.enable", "account.disable"]


def test_an_admin_unlocks_an_account_locked_by_wrong_passwords(tmp_path: Path):
    with office_home(tmp_path / "home", unlock_by_admin=True) as office:
        for _ in range(3):
            sign_in(office.client(), PROVIDER_A, "a wrong password for sure")
        office.clock.advance(days=2)
        assert sign_in(office.client(), PROVIDER_A).status_code == 401  # held for an admin
        admin = signed_in(office, ADMIN_A)
        page = admin.get(f"/admin/accounts/{PROVIDER_A}").data.decode()
        assert "已鎖定" in page and 'value="unlock"' in page
        assert act(admin, PROVIDER_A, "unlock").status_code == 302
        assert sign_in(office.client(), PROVIDER_A).status_code == 302


def test_a_platform_admin_resets_a_password_shown_once(office: Office):
    provider = signed_in(office, PROVIDER_A)
    platform = signed_in(office, PLATFORM)
    response = act(platform, PROVIDER_A, "reset-password")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    new = response.data.decode().split('<code class="password">')[1].split("</code>")[0]
    assert len(new) >= 12
    assert provider.get("/admin").status_code == 302  # its sessions ended
    assert sign_in(office.client(), PROVIDER_A, PASSWORD).status_code == 401
    assert sign_in(office.client(), PROVIDER_A, new).status_code == 302
    assert new not in platform.get(f"/admin/accounts/{PROVIDER_A}").data.decode()
    assert new not in "\n".join(map(str, office.services.audit.events()))


def test_an_agency_admin_may_not_reset_a_password(office: Office):
    admin = signed_in(office, ADMIN_A)
    assert 'value="reset-password"' not in admin.get(
        f"/admin/accounts/{PROVIDER_A}").data.decode()
    assert act(admin, PROVIDER_A, "reset-password").status_code == 403
    assert sign_in(office.client(), PROVIDER_A).status_code == 302


# -- who may administer whom --------------------------------------------------------------------


def test_an_agency_admin_lists_only_its_own_agencys_data_providers(office: Office):
    page = signed_in(office, ADMIN_A).get("/admin/accounts").data.decode()
    main = page.split("<main>")[1]
    assert PROVIDER_A in main
    for other in (PROVIDER_B, ADMIN_B, PLATFORM, ADMIN_A):
        assert other not in main, other
    everyone = signed_in(office, PLATFORM).get("/admin/accounts").data.decode()
    for email in (PROVIDER_A, PROVIDER_B, ADMIN_A, ADMIN_B, PLATFORM):
        assert email in everyone


@pytest.mark.parametrize("target", [PROVIDER_B, ADMIN_B, ADMIN_A, PLATFORM],
                         ids=["provider of B", "admin of B", "admin of A", "platform admin"])
@pytest.mark.parametrize("action", ["approve", "disable", "enable", "unlock", "reject"])
def test_an_agency_admin_of_a_gets_403_for_accounts_it_may_not_administer(
        office: Office, target: str, action: str):
    admin = signed_in(office, ADMIN_A)
    assert admin.get(f"/admin/accounts/{target}").status_code == 403
    before = office.services.accounts.get(target)
    assert act(admin, target, action, reason="x").status_code == 403
    assert office.services.accounts.get(target) == before


@pytest.mark.parametrize("path", ["/admin/accounts", f"/admin/accounts/{PROVIDER_A}",
                                  "/admin/agencies", "/admin/agencies/new",
                                  f"/admin/agencies/{AGENCY_A}", "/admin/audit",
                                  "/admin/audit.csv"])
def test_a_data_provider_gets_403_on_every_people_page(office: Office, path: str):
    provider = signed_in(office, PROVIDER_A)
    assert provider.get(path).status_code == 403
    token = csrf_token(provider.get("/admin").data)
    if "audit" not in path:
        assert provider.post(path, data={"csrf_token": token, "action": "disable"}
                             ).status_code in (403, 405)


@pytest.mark.parametrize("path", ["/admin/agencies", "/admin/agencies/new",
                                  f"/admin/agencies/{AGENCY_A}", "/admin/audit",
                                  "/admin/audit.csv"])
def test_an_agency_admin_gets_403_on_the_platform_admins_pages(office: Office, path: str):
    admin = signed_in(office, ADMIN_A)
    assert admin.get(path).status_code == 403
    if "audit" not in path and path != "/admin/agencies":  # the pages that take a POST
        token = csrf_token(admin.get("/admin").data)
        response = admin.post(path, data={"csrf_token": token, "code": "X1",
                                          "name_zh": "甲", "name_en": "X"})
        assert response.status_code == 403
    assert not AgencyRegister.of(office.repository).exists("X1")


def test_the_people_pages_send_a_visitor_without_a_session_to_the_login_page(office: Office):
    for path in ("/admin/accounts", "/admin/agencies", "/admin/audit", "/admin/audit.csv"):
        response = office.client().get(path)
        assert response.status_code == 302 and "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("path, data", [
    ("/apply", {"email": NEWCOMER, "name": "x", "role": "data-provider", "agency": AGENCY_A,
                "password": NEW_PASSWORD, "password_again": NEW_PASSWORD}),
    (f"/admin/accounts/{PROVIDER_A}", {"action": "disable"}),
    ("/admin/agencies/new", {"code": "X1", "name_zh": "甲", "name_en": "X"}),
    (f"/admin/agencies/{AGENCY_A}", {"name_zh": "改", "name_en": "Changed"}),
])
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(office: Office,
                                                                      path: str, data: dict):
    platform = signed_in(office, PLATFORM)
    response = platform.post(path, data=data)
    assert response.status_code == 400 and "表單已逾時" in response.data.decode()
    assert office.services.accounts.get(PROVIDER_A).state is State.ACTIVE
    with pytest.raises(Exception, match="no account"):
        office.services.accounts.get(NEWCOMER)
    register = AgencyRegister.of(office.repository)
    assert not register.exists("X1") and register.get(AGENCY_A).name_zh == "數位發展部"


def test_a_disabled_admin_loses_the_people_pages_at_once(office: Office):
    admin = signed_in(office, ADMIN_A)
    platform = signed_in(office, PLATFORM)
    assert act(platform, ADMIN_A, "disable").status_code == 302
    assert admin.get("/admin/accounts").status_code == 302
    assert admin.get_cookie(SESSION_COOKIE) is not None  # the cookie stays; the session ended


# -- agencies ---------------------------------------------------------------------------------


def send_agency(client: FlaskClient, path: str, **fields: str):
    token = csrf_token(client.get(path).data)
    return client.post(path, data={"csrf_token": token, **fields})


def test_a_platform_admin_adds_an_agency_that_its_public_page_shows(office: Office):
    platform = signed_in(office, PLATFORM)
    response = send_agency(platform, "/admin/agencies/new", code="A29030000G",
                           name_zh="數位發展部資通安全署",
                           name_en="Administration for Cyber Security", parent=AGENCY_A,
                           contact_name="服務窗口", contact_phone="02 2380 0777",
                           contact_email="Desk@Example.org")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/agencies")
    listed = platform.get("/admin/agencies").data.decode()
    assert "A29030000G" in listed and "數位發展部資通安全署" in listed
    agency = AgencyRegister.of(office.repository).get("A29030000G")
    assert agency.parent == AGENCY_A and agency.contact.phone == "02-2380-0777"
    assert agency.contact.email == "desk@example.org"
    public = office.client().get("/agency/A29030000G")
    assert public.status_code == 200 and "數位發展部資通安全署" in public.data.decode()
    added = office.services.audit.query(what="agency").events[0]
    assert (added.what, added.who, added.details) == ("agency.add", PLATFORM, "A29030000G")


@pytest.mark.parametrize("fields, field", [
    ({"code": "not a code!", "name_zh": "甲", "name_en": "A"}, "code"),
    ({"code": "X1", "name_zh": "", "name_en": "A"}, "name_zh"),
    ({"code": "X1", "name_zh": "甲", "name_en": "A", "parent": "NOWHERE"}, "parent"),
    ({"code": "X1", "name_zh": "甲", "name_en": "A", "contact_phone": "call me"},
     "contact_phone"),
    ({"code": "X1", "name_zh": "甲", "name_en": "A", "contact_email": "nobody"},
     "contact_email"),
], ids=["code", "name", "parent", "phone", "e-mail"])
def test_a_bad_agency_field_shows_its_message_at_the_field(office: Office, fields: dict,
                                                           field: str):
    response = send_agency(signed_in(office, PLATFORM), "/admin/agencies/new", **fields)
    assert response.status_code == 400
    page = response.data.decode()
    assert f'id="{field}-error"' in page and 'aria-invalid="true"' in page
    assert not AgencyRegister.of(office.repository).exists("X1")


def test_an_agency_code_registered_already_is_a_conflict(office: Office):
    response = send_agency(signed_in(office, PLATFORM), "/admin/agencies/new", code=AGENCY_A,
                           name_zh="重複", name_en="Again")
    assert response.status_code == 409 and 'id="code-error"' in response.data.decode()
    assert AgencyRegister.of(office.repository).get(AGENCY_A).name_zh == "數位發展部"


def test_a_platform_admin_edits_an_agency_and_cannot_make_it_its_own_parent(office: Office):
    platform = signed_in(office, PLATFORM)
    path = f"/admin/agencies/{AGENCY_A}"
    loop = send_agency(platform, path, name_zh="數位發展部", name_en="MODA", parent=AGENCY_B)
    assert loop.status_code == 400 and 'id="parent-error"' in loop.data.decode()
    edited = send_agency(platform, path, name_zh="數位發展部", name_en="Ministry of Digital "
                         "Affairs (MODA)", contact_phone="02-23800777", code="IGNORED")
    assert edited.status_code == 302
    agency = AgencyRegister.of(office.repository).get(AGENCY_A)
    assert agency.name_en == "Ministry of Digital Affairs (MODA)"
    assert agency.contact.phone == "02-23800777"
    assert not AgencyRegister.of(office.repository).exists("IGNORED")
    assert platform.get("/admin/agencies/NOWHERE").status_code == 404
    assert office.services.audit.query(what="agency.update").events[0].details == AGENCY_A


def test_the_agency_list_is_paged_by_code(office: Office):
    register = AgencyRegister.of(office.repository)
    for number in range(55):
        register.add(new_agency(f"Z{number:03d}", f"機關{number}", f"Agency {number}"))
    platform = signed_in(office, PLATFORM)
    first = platform.get("/admin/agencies").data.decode()
    assert AGENCY_A in first and "Z047" in first and "Z048" not in first
    second = platform.get("/admin/agencies?after=Z047").data.decode()
    assert "Z048" in second and "Z054" in second and AGENCY_A not in second
    assert 'rel="next"' not in second
    assert platform.get("/admin/agencies?after=not%20a%20code").status_code == 400


def test_the_account_list_is_paged_and_filtered_by_state(office: Office):
    for number in range(52):
        office.services.accounts.apply(f"p{number:02d}@example.org", f"申請人{number}",
                                       "data-provider", AGENCY_A)
    admin = signed_in(office, ADMIN_A)
    first = admin.get("/admin/accounts?state=applied").data.decode()
    assert "p00@example.org" in first and "p49@example.org" in first
    assert "p50@example.org" not in first and PROVIDER_A not in first
    second = admin.get(next_page(first)).data.decode()
    assert "p50@example.org" in second and "p51@example.org" in second
    assert admin.get("/admin/accounts?state=nonsense").status_code == 400
    active = admin.get("/admin/accounts?state=active").data.decode().split("<main>")[1]
    assert PROVIDER_A in active and "p00@example.org" not in active


def test_the_people_pages_are_in_english_when_english_is_chosen(office: Office):
    client = office.client()
    client.get("/lang/en")
    assert "Apply for an account" in client.get("/apply").data.decode()
    admin = signed_in(office, ADMIN_A)
    admin.get("/lang/en")
    page = admin.get("/admin/accounts").data.decode()
    assert '<html lang="en">' in page and "Account state" in page and "帳號狀態" not in page
