"""The dataset form in a real browser (headless Chromium): a provider signs in, fills the form,
sees the shapes' message at the description while typing (seed 001's return reason for a
description like the title), fixes it, picks a language by name, saves and submits; the form
passes axe-core and fits at 1280 and 390 px, runs no inline script under the CSP, and is saved
as screenshots in tests/screenshots/ (form-*.png)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.accounts_support import PASSWORD
from tests.office_support import Office, office_home

from .browser import WIDTHS, at_width, axe_violations, browser, overflows, screenshot

__all__ = ["browser"]  # the fixture, used by name

PROVIDER = "provider.a@example.org"
RETURN_REASON = "請調整資料集描述勿與標題相似"
TITLE = "臺灣客語語料彙編"
GOOD_DESCRIPTION = "收錄客家委員會歷年委託整理的客語語音轉寫文本與詞彙資料，涵蓋四縣、海陸等腔調。"
BY = "css selector"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Office]]:
    """The real application over an office home, served on a free port of 127.0.0.1 (one
    request at a time, as the store's owner answers them)."""
    home = tmp_path_factory.mktemp("form-browser") / "home"
    with office_home(home, base_uri="http://127.0.0.1:8000/") as office:
        server = make_server("127.0.0.1", 0, office.app, threaded=False)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}/", office
        finally:
            server.shutdown()
            thread.join(10)


def wait_for(driver, condition, timeout: float = 10):
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def sign_in(driver, url: str) -> None:
    driver.delete_all_cookies()
    driver.get(url + "login")
    driver.find_element(BY, "input[name=email]").send_keys(PROVIDER)
    driver.find_element(BY, "input[name=password]").send_keys(PASSWORD)
    driver.find_element(BY, "form button[type=submit], form input[type=submit]").click()
    wait_for(driver, lambda d: d.current_url.rstrip("/").endswith("/admin"))


def messages(driver, field: str) -> str:
    return driver.find_element(BY, f"#m-{field}").text


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]]


def type_into(driver, field: str, text: str) -> None:
    element = driver.find_element(BY, f"#f-{field}")
    element.clear()
    element.send_keys(text)


def test_a_provider_fills_the_form_sees_a_check_while_typing_fixes_it_and_submits(
        site: tuple[str, Office], browser) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    url, office = site
    at_width(browser, 1280)
    sign_in(browser, url)
    browser.get(url + "admin/records/new")
    type_into(browser, "title_zh", TITLE)
    type_into(browser, "description", TITLE + "。")
    wait_for(browser, lambda d: RETURN_REASON in messages(d, "description"))
    description = browser.find_element(BY, "#f-description")
    assert description.get_attribute("aria-invalid") == "true"
    assert "m-description" in description.get_attribute("aria-describedby")
    screenshot(browser, "form-checking-1280")
    at_width(browser, 1280)

    type_into(browser, "description", GOOD_DESCRIPTION)
    wait_for(browser, lambda d: RETURN_REASON not in messages(d, "description"))
    assert description.get_attribute("aria-invalid") is None
    type_into(browser, "keywords", "客語、語料，詞彙")
    browser.find_element(BY, "label[for='f-text_types-language-resource']").click()
    browser.find_element(BY, "label[for='f-domains-culture-arts']").click()
    search = browser.find_element(BY, "#s-languages")
    search.send_keys("客語")
    wait_for(browser, lambda d: d.find_elements(BY, "#l-languages option[value='hak']"))
    search.send_keys(Keys.ENTER)
    wait_for(browser, lambda d: d.find_element(BY, "#f-languages").get_attribute("value")
             == "hak")
    assert browser.current_url.endswith("/admin/records/new")  # Enter did not send the form
    type_into(browser, "file_name-1", "客語語料.csv")
    Select(browser.find_element(BY, "#f-file_format-1")).select_by_value("CSV")
    type_into(browser, "file_size-1", "12.5 MB")
    Select(browser.find_element(BY, "#f-licence")).select_by_value("OGDL-Taiwan-1.0")
    browser.find_element(BY, "label[for='f-validity']").click()
    type_into(browser, "years", "2020")
    type_into(browser, "year_end", "2025")
    type_into(browser, "contact_name", "林小明")
    type_into(browser, "contact_phone", "(02)-23800791")
    type_into(browser, "contact_email", "opendata@moda.gov.tw")
    wait_for(browser, lambda d: not d.find_elements(BY, ".messages p"))
    assert float(browser.find_element(BY, "#quality-score").text) > 5

    browser.find_element(BY, "button[value=save]").click()
    wait_for(browser, lambda d: "done=saved" in d.current_url)
    local_id = browser.current_url.split("/")[-2]
    assert office.repository.get(local_id).state == "draft"
    assert "草稿已儲存" in browser.find_element(BY, ".done").text
    browser.find_element(BY, "button[value=submit]").click()
    wait_for(browser, lambda d: "done=submitted" in d.current_url)
    assert office.repository.get(local_id).state == "pending-agency-review"
    assert console_errors(browser) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_form_with_its_messages_fits_and_passes_axe(site: tuple[str, Office], browser,
                                                        width: int) -> None:
    url, _office = site
    at_width(browser, width)
    sign_in(browser, url)
    browser.get(url + "admin/records/new")
    type_into(browser, "title_zh", TITLE)
    type_into(browser, "description", TITLE)
    wait_for(browser, lambda d: RETURN_REASON in messages(d, "description"))
    assert not overflows(browser), f"the form is wider than {width} px"
    assert axe_violations(browser) == []
    screenshot(browser, f"form-new-{width}")
    at_width(browser, width)
    browser.find_element(BY, "button[value=save]").click()
    wait_for(browser, lambda d: "done=saved" in d.current_url)
    assert not overflows(browser)
    assert axe_violations(browser) == []
    screenshot(browser, f"form-saved-{width}")
    assert console_errors(browser) == []


def test_the_form_works_in_english_after_the_switch(site: tuple[str, Office], browser) -> None:
    url, _office = site
    at_width(browser, 1280)
    sign_in(browser, url)
    browser.get(url + "admin/records/new")
    browser.find_element(BY, "header nav.languages a[lang='en']").click()
    wait_for(browser, lambda d: d.find_element(BY, "h1").text == "New dataset")
    type_into(browser, "title_zh", TITLE)
    type_into(browser, "description", "短")
    wait_for(browser, lambda d: "at least 20 characters" in messages(d, "description"))
    assert axe_violations(browser) == []
    screenshot(browser, "form-english-1280")
    browser.get(url + "lang/zh-Hant?next=/admin")

