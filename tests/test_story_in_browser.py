"""The whole publication story of seed 001 in a real browser (headless Chromium) against a real
``yuliao serve`` over the demo home, signed in as the demo accounts (README.md):

a data provider fills the form, sees a SHACL message at its field while typing, fixes it and
submits; the agency admin approves; the platform admin returns it with a reason; the provider
sees the reason in the list and the form, edits and resubmits; both approve, and the record is
public on /record/{id}, /oai, /sparql, /search and the catalogue; then a takedown goes through
both reviews and the record answers 410 and is deleted in OAI-PMH. Every back-office page on
the way passes axe-core, and the form and the record page fit 390 px.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator

import pytest

from repository.config import DEFAULT_BASE_URI, DEFAULT_OAI_ID

from .browser import (
    BY,
    at_width,
    axe_violations,
    browser,
    click_and_wait,
    fill_dataset_form,
    overflows,
    screenshot,
    sign_in,
    type_into,
    wait_for,
)
from .server_support import Server, serving
from .test_serve import make_home

__all__ = ["browser"]  # the fixture, used by name

PROVIDER = ("moda.provider@example.org", "demo-moda-provider")
AGENCY_ADMIN = ("moda.admin@example.org", "demo-moda-admin")
PLATFORM_ADMIN = ("platform.admin@example.org", "demo-platform-admin")
TITLE = "臺灣客語田野錄音轉寫彙編"
NEAR_COPY = "臺灣客語田野錄音轉寫彙編。"
DESCRIPTION = "收錄客家委員會歷年委託整理的客語田野錄音與逐字轉寫，涵蓋四縣、海陸等腔調與詞彙說明。"
REVISED = DESCRIPTION + "另附各腔調發音人之背景資料與錄音地點說明。"
RETURN_REASON = "請補充發音人背景與錄音地點之說明"
SHACL_MESSAGE = "請調整資料集描述勿與標題相似"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("story"))
    with serving(home, "--workers", "1") as running:
        yield running


def sign_in_as(site: Server, driver, account: tuple[str, str]) -> None:
    sign_in(driver, site.url, *account)


def checked(driver, name: str) -> None:
    """The page passes axe-core and logs no error; saved as a screenshot."""
    screenshot(driver, f"story-{name}")
    at_width(driver, 1280)
    assert axe_violations(driver) == [], name


def act(site: Server, driver, local_id: str, button: str, name: str) -> None:
    """Open the record's review page, check it, and press ``button``."""
    driver.get(f"{site.url}admin/records/{local_id}")
    checked(driver, name)
    click_and_wait(driver, driver.find_element(BY, button))
    assert driver.find_elements(BY, ".done"), driver.find_element(BY, "main").text[:500]


def fetch(url: str, accept: str = "*/*", data: bytes | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait for the web workers' snapshot of the public area to show a change (the server
    takes one within a second of a write)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the change never became public"
        time.sleep(0.2)


def oai_record(site: Server, local_id: str) -> bytes:
    query = urllib.parse.urlencode({"verb": "GetRecord", "metadataPrefix": "oai_dc",
                                    "identifier": f"oai:{DEFAULT_OAI_ID}:{local_id}"})
    return fetch(f"{site.url}oai?{query}")[1]


def sparql_ask(site: Server, local_id: str) -> bool:
    query = f"ASK {{ <{DEFAULT_BASE_URI}id/{local_id}> ?p ?o }}"
    status, body = fetch(f"{site.url}sparql", "application/sparql-results+json",
                         urllib.parse.urlencode({"query": query}).encode())
    assert status == 200, body
    return json.loads(body)["boolean"]


def not_public(site: Server, local_id: str) -> None:
    """Nothing of the record is reachable publicly: no page, no OAI record, no triple, no hit."""
    assert fetch(f"{site.url}record/{local_id}")[0] == 404
    assert b"idDoesNotExist" in oai_record(site, local_id)
    assert not sparql_ask(site, local_id)
    found = json.loads(fetch(f"{site.url}search?format=json&q=" + urllib.parse.quote(TITLE))[1])
    assert local_id not in [hit["id"] for hit in found["hits"]]


def test_a_dataset_goes_from_the_form_through_both_reviews_to_the_public_and_back_out(
        site: Server, browser) -> None:
    at_width(browser, 1280)
    # the provider fills the form and sees the near-copy check at the description
    sign_in_as(site, browser, PROVIDER)
    browser.get(site.url + "admin/records/new")
    type_into(browser, "title_zh", TITLE)
    type_into(browser, "description", NEAR_COPY)
    wait_for(browser, lambda d: SHACL_MESSAGE in d.find_element(BY, "#m-description").text)
    assert browser.find_element(BY, "#f-description").get_attribute("aria-invalid") == "true"
    checked(browser, "form-checking")
    type_into(browser, "description", DESCRIPTION)
    wait_for(browser, lambda d: SHACL_MESSAGE not in d.find_element(BY, "#m-description").text)
    fill_dataset_form(browser, "客語田野錄音轉寫.csv", ("2018", "2024"))
    wait_for(browser, lambda d: not d.find_elements(BY, ".messages p"))
    at_width(browser, 390)
    assert not overflows(browser), "the form is wider than 390 px"
    at_width(browser, 1280)
    click_and_wait(browser, browser.find_element(BY, "button[value=submit]"))
    assert "done=submitted" in browser.current_url, browser.find_element(BY, "main").text[:500]
    local_id = browser.current_url.split("/admin/records/")[1].split("/")[0]
    not_public(site, local_id)

    # the agency admin approves; the platform admin returns it with a reason
    sign_in_as(site, browser, AGENCY_ADMIN)
    browser.get(site.url + "admin/queue")
    checked(browser, "queue")
    assert local_id in browser.find_element(BY, "main").text
    act(site, browser, local_id, "button.approve", "agency-review")
    not_public(site, local_id)
    sign_in_as(site, browser, PLATFORM_ADMIN)
    browser.get(f"{site.url}admin/records/{local_id}")
    browser.find_element(BY, "form.return textarea").send_keys(RETURN_REASON)
    click_and_wait(browser, browser.find_element(BY, "form.return button"))
    assert "修改中" in browser.find_element(BY, "main").text
    not_public(site, local_id)

    # the provider sees the reason in the list and the form, edits and resubmits
    sign_in_as(site, browser, PROVIDER)
    browser.get(site.url + "admin/records?state=in-revision")
    checked(browser, "list-returned")
    row = next(r for r in browser.find_elements(BY, "tbody tr") if local_id in r.text)
    assert RETURN_REASON in row.text
    browser.get(f"{site.url}admin/records/{local_id}/edit")
    assert RETURN_REASON in browser.find_element(BY, "main").text
    type_into(browser, "description", REVISED)
    wait_for(browser, lambda d: not d.find_elements(BY, ".messages p"))
    click_and_wait(browser, browser.find_element(BY, "button[value=submit]"))
    assert "done=submitted" in browser.current_url

    # both approve: the record is public everywhere
    sign_in_as(site, browser, AGENCY_ADMIN)
    act(site, browser, local_id, "button.approve", "agency-review-again")
    not_public(site, local_id)
    sign_in_as(site, browser, PLATFORM_ADMIN)
    act(site, browser, local_id, "button.approve", "platform-review")
    eventually(lambda: fetch(f"{site.url}record/{local_id}")[0] == 200)
    browser.get(f"{site.url}record/{local_id}")
    assert TITLE in browser.find_element(BY, "h1").text
    assert REVISED in browser.find_element(BY, "main").text
    assert TITLE.encode() in oai_record(site, local_id)
    assert sparql_ask(site, local_id)
    found = json.loads(fetch(f"{site.url}search?format=json&q=" + urllib.parse.quote(TITLE))[1])
    assert local_id in [hit["id"] for hit in found["hits"]]
    assert f"id/{local_id}".encode() in fetch(f"{site.url}catalog", "text/turtle")[1]

    # a takedown goes through both reviews
    sign_in_as(site, browser, PROVIDER)
    browser.get(f"{site.url}admin/records/{local_id}/takedown")
    checked(browser, "takedown-request")
    browser.execute_script("arguments[0].value = '2026-12-31'",
                           browser.find_element(BY, "#takedown_date"))
    browser.find_element(BY, "form.takedown textarea").send_keys("資料已由新版取代")
    click_and_wait(browser, browser.find_element(BY, "form.takedown button[type=submit]"))
    sign_in_as(site, browser, AGENCY_ADMIN)
    act(site, browser, local_id, "button.approve", "takedown-agency-review")
    sign_in_as(site, browser, PLATFORM_ADMIN)
    act(site, browser, local_id, "button.approve", "takedown-platform-review")
    eventually(lambda: fetch(f"{site.url}record/{local_id}")[0] == 410)
    assert b'status="deleted"' in oai_record(site, local_id)
    assert not sparql_ask(site, local_id)
