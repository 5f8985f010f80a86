"""The people pages in a real browser (headless Chromium) served by a real ``yuliao serve``
over the demo home (its accounts, README "Demo accounts"): a person applies from the login
page, the agency admin approves the application on the accounts page, the person signs in;
the application, accounts, account, agencies, agency and audit pages fit 1280 and 390 px,
pass axe-core without a serious or critical violation, run no inline script, and are saved as
screenshots in tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .browser import WIDTHS, at_width, browser, click_and_wait, looks_right, sign_in
from .server_support import Server, serving
from .test_serve import make_home

__all__ = ["browser"]  # the fixture, used by name

NEWCOMER, NEW_PASSWORD = "lin.newcomer@example.org", "a newcomer's long password"
MODA_ADMIN = ("moda.admin@example.org", "demo-moda-admin")
PLATFORM = ("platform.admin@example.org", "demo-platform-admin")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("people-browser"))
    with serving(home, "--workers", "1") as running:
        yield running


def looks_right_here(browser, name: str, width: int) -> None:
    """The page at ``width`` (loaded again at that width) looks right."""
    at_width(browser, width)
    browser.refresh()
    looks_right(browser, f"people-{name}-{width}", width)


def test_a_person_applies_and_the_agency_admin_approves_in_the_accounts_page(
        site: Server, browser) -> None:
    from selenium.webdriver.support.select import Select

    at_width(browser, 1280)
    browser.delete_all_cookies()
    browser.get(site.url + "login")
    click_and_wait(browser, browser.find_element("link text", "還沒有帳號？申請帳號"))
    assert browser.current_url.endswith("/apply")
    browser.find_element("id", "email").send_keys(NEWCOMER)
    browser.find_element("id", "name").send_keys("林新人")
    browser.find_element("css selector", 'input[name="role"][value="data-provider"]').click()
    Select(browser.find_element("id", "agency")).select_by_value("A29000000G")
    browser.find_element("id", "password").send_keys(NEW_PASSWORD)
    browser.find_element("id", "password_again").send_keys(NEW_PASSWORD)
    click_and_wait(browser, browser.find_element("css selector", "form.people button"))
    assert browser.find_element("tag name", "h1").text == "您的申請等待核准"

    sign_in(browser, site.url, *MODA_ADMIN)
    click_and_wait(browser, browser.find_element("link text", "帳號"))
    waiting = browser.find_element("css selector", 'section[aria-labelledby="waiting"]')
    click_and_wait(browser, waiting.find_element("link text", NEWCOMER))
    assert browser.find_element("tag name", "h1").text == "林新人"
    click_and_wait(browser, browser.find_element(
        "xpath", "//button[normalize-space()='通過審核']"))
    assert "帳號已核准" in browser.find_element("css selector", ".said").text

    sign_in(browser, site.url, NEWCOMER, NEW_PASSWORD)
    assert "林新人" in browser.find_element("tag name", "main").text


@pytest.mark.parametrize("width", WIDTHS)
def test_the_people_pages_fit_pass_axe_and_run_no_inline_script(site: Server, browser,
                                                                width: int) -> None:
    browser.delete_all_cookies()
    browser.get(site.url + "apply")
    looks_right_here(browser, "apply", width)
    browser.find_element("id", "email").send_keys("not an e-mail")
    click_and_wait(browser, browser.find_element("css selector", "form.people button"))
    looks_right_here(browser, "apply-refused", width)

    sign_in(browser, site.url, *MODA_ADMIN)
    browser.get(site.url + "admin/accounts")
    looks_right_here(browser, "accounts-agency-admin", width)
    browser.get(site.url + "admin/accounts/moda.provider@example.org")
    looks_right_here(browser, "account", width)

    sign_in(browser, site.url, *PLATFORM)
    for name, path in (("accounts", "admin/accounts"), ("agencies", "admin/agencies"),
                       ("agency", "admin/agencies/A29000000G"),
                       ("agency-new", "admin/agencies/new"), ("audit", "admin/audit"),
                       ("audit-filtered", "admin/audit?what=login&since=2000-01-01")):
        browser.get(site.url + path)
        looks_right_here(browser, name, width)
