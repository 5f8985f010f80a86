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

from .browser import (
    BY,
    WIDTHS,
    at_width,
    axe_violations,
    browser,
    console_errors,
    fill_dataset_form,
    overflows,
    screenshot,
    sign_in,
    type_into,
    wait_for,
)

__all__ = ["browser"]  # the fixture, used by name

PROVIDER = "provider.a@example.org"
RETURN_REASON = "請調整資料集描述勿與標題相似"
TITLE = "臺灣客語語料彙編"
GOOD_DESCRIPTION = "收錄客家委員會歷年委託整理的客語語音轉寫文本與詞彙資料，涵蓋四縣、海陸等腔調。"


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


def sign_in_as_provider(driver, url: str) -> None:
    sign_in(driver, url, PROVIDER, PASSWORD)


def messages(driver, field: str) -> str:
    return driver.find_element(BY, f"#m-{field}").text


def test_a_provider_fills_the_form_sees_a_check_while_typing_fixes_it_and_submits(
        site: tuple[str, Office], browser) -> None:
    url, office = site
    at_width(browser, 1280)
    sign_in_as_provider(browser, url)
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
    fill_dataset_form(browser, "客語語料.csv", ("2020", "2025"))
    assert browser.current_url.endswith("/admin/records/new")  # Enter did not send the form
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
    sign_in_as_provider(browser, url)
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
    sign_in_as_provider(browser, url)
    browser.get(url + "admin/records/new")
    browser.find_element(BY, "header nav.languages a[lang='en']").click()
    wait_for(browser, lambda d: d.find_element(BY, "h1").text == "New dataset")
    type_into(browser, "title_zh", TITLE)
    type_into(browser, "description", "短")
    wait_for(browser, lambda d: "at least 20 characters" in messages(d, "description"))
    assert axe_violations(browser) == []
    screenshot(browser, "form-english-1280")
    browser.get(url + "lang/zh-Hant?next=/admin")

