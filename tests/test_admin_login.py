"""Signing in and out of the back office through its real pages (seed 004 §9): one message
for every failed login, the lockout, sessions that end at logout, when idle and when the
account is disabled, a new session id at every login, cookie flags, CSRF on every
state-changing request, redirects that stay on the site, and the audit of each."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.http import parse_cookie

from endpoints.admin import SESSION_COOKIE
from tests.accounts_support import PASSWORD
from tests.office_support import Office, csrf_token, office_home, sign_in, signed_in

WRONG_MESSAGE = "帳號或密碼錯誤"
PROVIDER = "provider.a@example.org"


@pytest.fixture
def office(tmp_path: Path) -> Iterator[Office]:
    with office_home(tmp_path / "home", base_uri="http://127.0.0.1:8000/") as office:
        yield office


def session_cookie(response) -> dict[str, str]:
    """The attributes of the session cookie ``response`` sets (names lower-cased)."""
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(f"{SESSION_COOKIE}="):
            parts = [p.strip() for p in header.split(";")]
            attributes = {p.split("=", 1)[0].lower(): p.partition("=")[2] for p in parts[1:]}
            return {"value": parse_cookie(parts[0])[SESSION_COOKIE], **attributes}
    raise AssertionError(f"no {SESSION_COOKIE} cookie set: {response.headers}")


def test_the_back_office_sends_a_visitor_without_a_session_to_the_login_page(office: Office):
    response = office.client().get("/admin?tab=x")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/admin?tab%3Dx")


def test_a_good_login_opens_the_back_office_with_an_httponly_samesite_cookie(office: Office):
    client = office.client()
    response = sign_in(client, PROVIDER, next="/admin")
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin")
    cookie = session_cookie(response)
    assert "httponly" in cookie and cookie["samesite"] == "Lax" and "secure" not in cookie
    assert "expires" not in cookie and "max-age" not in cookie  # ends with the browser
    page = client.get("/admin").data.decode()
    assert "provider_a" in page and "資料提供者" in page


def test_the_session_cookie_is_secure_when_the_site_is_served_over_https(tmp_path: Path):
    with office_home(tmp_path / "home", base_uri="https://data.example.tw/") as office:
        assert "secure" in session_cookie(sign_in(office.client(), PROVIDER))


@pytest.mark.parametrize("email, password", [
    (PROVIDER, "a wrong password for sure"), ("nobody@example.org", PASSWORD)],
    ids=["wrong password", "unknown account"])
def test_a_failed_login_says_the_one_message_whichever_was_wrong(office: Office, email: str,
                                                                  password: str):
    response = sign_in(office.client(), email, password)
    assert response.status_code == 401
    assert WRONG_MESSAGE in response.data.decode()
    assert SESSION_COOKIE not in response.headers.get("Set-Cookie", "")
    failure = office.services.audit.query(what="login.failure").events[0]
    assert failure.client == "127.0.0.1" and password not in str(failure)


def test_three_wrong_passwords_lock_the_account_against_the_right_one(office: Office):
    client = office.client()
    for _ in range(3):
        assert sign_in(client, PROVIDER, "a wrong password for sure").status_code == 401
    locked = sign_in(client, PROVIDER)
    assert locked.status_code == 401 and WRONG_MESSAGE in locked.data.decode()
    assert office.services.audit.query(what="login.lockout").events
    office.clock.advance(minutes=16)  # past [accounts] lockout_minutes
    assert sign_in(client, PROVIDER).status_code == 302


def test_every_login_starts_a_new_session_and_ends_the_one_before(office: Office):
    client = office.client()
    first = session_cookie(sign_in(client, PROVIDER))["value"]
    second = session_cookie(sign_in(client, PROVIDER))["value"]
    assert first != second
    assert office.services.sessions.resolve(first) is None
    assert office.services.sessions.resolve(second).account == PROVIDER


def test_logout_ends_the_session_on_the_server(office: Office):
    client = signed_in(office, PROVIDER)
    token = client.get_cookie(SESSION_COOKIE).value
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/admin").data)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert office.services.sessions.resolve(token) is None
    replayed = office.client()
    replayed.set_cookie(SESSION_COOKIE, token)
    assert replayed.get("/admin").status_code == 302
    assert office.services.audit.query(what="logout").events[0].who == PROVIDER


def test_a_session_ends_after_thirty_idle_minutes(office: Office):
    client = signed_in(office, PROVIDER)
    office.clock.advance(minutes=29)
    assert client.get("/admin").status_code == 200
    office.clock.advance(minutes=29)  # the visit above slid the window
    assert client.get("/admin").status_code == 200
    office.clock.advance(minutes=31)
    assert client.get("/admin").status_code == 302


def test_disabling_an_account_ends_its_sessions(office: Office):
    client = signed_in(office, PROVIDER)
    office.services.accounts.disable(PROVIDER, office.cast.admin_a)
    assert client.get("/admin").status_code == 302
    assert sign_in(office.client(), PROVIDER).status_code == 401


@pytest.mark.parametrize("path", ["/login", "/logout"])
def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(office: Office, path: str):
    client = signed_in(office, PROVIDER)
    token = client.get_cookie(SESSION_COOKIE).value
    response = client.post(path, data={"email": PROVIDER, "password": PASSWORD})
    assert response.status_code == 400
    assert "表單已逾時" in response.data.decode()
    assert office.services.sessions.resolve(token).account == PROVIDER


def test_a_csrf_token_of_another_browser_is_refused(office: Office):
    other = office.client()
    stolen = csrf_token(other.get("/login").data)
    client = office.client()
    client.get("/login")
    response = client.post("/login", data={"email": PROVIDER, "password": PASSWORD,
                                           "csrf_token": stolen})
    assert response.status_code == 400


def test_the_public_protocols_take_posts_without_a_csrf_token(office: Office):
    client = office.client()
    assert client.post("/oai", data={"verb": "Identify"}).status_code == 200
    assert client.post("/sparql", data={"query": "ASK {}"},
                       headers={"Accept": "application/sparql-results+json"}).status_code == 200


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil"])
def test_after_login_the_browser_stays_on_this_site(office: Office, target: str):
    response = sign_in(office.client(), PROVIDER, next=target)
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_the_pages_are_traditional_chinese_until_english_is_chosen(office: Office):
    client = office.client()
    page = client.get("/login").data.decode()
    assert '<html lang="zh-Hant">' in page and "登入後臺" in page
    switched = client.get("/lang/en", query_string={"next": "/login"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login")
    page = client.get("/login").data.decode()
    assert '<html lang="en">' in page and "Sign in to the back office" in page
    wrong = sign_in(client, PROVIDER, "a wrong password for sure").data.decode()
    assert "Wrong account or password" in wrong
    assert client.get("/lang/xx").status_code == 404


def test_the_session_secret_is_kept_in_the_home_for_its_owner_only(office: Office):
    office.client().get("/login")
    secret = office.repository.config.session_secret_path
    assert secret.parent == office.repository.config.home
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600


def test_another_role_gets_403_on_a_page_it_may_not_open(office: Office):
    """The menu and the guard agree: a provider sees no admin-only entry."""
    client = signed_in(office, PROVIDER)
    page = client.get("/admin").data.decode()
    assert "稽核紀錄" not in page and "帳號" not in page.split("<main>")[0]


def test_no_password_hash_or_session_token_reaches_a_log_the_store_or_the_audit_log(
        office: Office, caplog: pytest.LogCaptureFixture, tmp_path: Path):
    wrong = "a wrong password for sure"
    with caplog.at_level("DEBUG"):
        sign_in(office.client(), PROVIDER, wrong)
        response = sign_in(office.client(), PROVIDER)
    token = session_cookie(response)["value"]
    dump = tmp_path / "store.nq"
    office.repository.dump(dump)
    audit = "\n".join(map(str, office.services.audit.events()))
    for place, text in (("log", caplog.text), ("store dump", dump.read_text()),
                        ("audit log", audit)):
        for secret in (PASSWORD, wrong, token, "$argon2"):
            assert secret not in text, f"{secret[:8]}… found in the {place}"
    assert "login.success" in audit and "login.failure" in audit


def test_no_two_parts_of_the_site_register_one_template_global():
    """Flask lets a later ``app_template_global`` replace an earlier one of the same name
    without a word (an account's state_name once replaced a record's)."""
    import re

    from tests.conftest import ROOT

    names: dict[str, list[str]] = {}
    pattern = re.compile(r"@bp\.app_template_global\((?:\"(\w+)\")?\)\s*\ndef (\w+)")
    for source in (ROOT / "endpoints").rglob("*.py"):
        for given, function in pattern.findall(source.read_text(encoding="utf-8")):
            names.setdefault(given or function, []).append(source.name)
    assert names and all(len(where) == 1 for where in names.values()), names


def test_the_first_page_shows_what_waits_for_each_person(office: Office):
    from repository.records import Record
    from repository.workflow.service import NEW_ID
    from tests.oai_support import dataset

    flow = office.app.extensions["yuliao.workflow"]
    with office.app.test_request_context():  # its events go to the audit log, with a client
        saved = flow.save_draft(office.cast.provider_a,
                                Record(id=NEW_ID, graph=dataset(office.repository, NEW_ID,
                                                                "客語語料草稿").graph))
    provider = signed_in(office, PROVIDER).get("/admin").data.decode()
    assert "您的草稿" in provider and saved.record.id in provider
    admin = signed_in(office, "admin.a@example.org").get("/admin").data.decode()
    assert "待您審核" in admin and saved.record.id not in admin  # a draft waits for no one
