"""The back office's dataset list, review queue and record page in a real browser (headless
Chromium) served by a real ``yuliao serve`` over the demo home: at 1280 and 390 px wide each
page fits the window and passes axe-core without a serious or critical violation (saved as a
screenshot in tests/screenshots/), and the demo agency admin signs in, opens the queue, opens
the record waiting there and approves it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .browser import (
    WIDTHS,
    at_width,
    browser,
    click_and_wait,
    looks_right,
    screenshot,
    sign_in,
)
from .server_support import Server, serving
from .test_serve import make_home

__all__ = ["browser"]  # the fixture, used by name

#: The demo's agency admin of 數位發展部 (README.md, "Demo accounts").
ADMIN, PASSWORD = "moda.admin@example.org", "demo-moda-admin"
#: The demo record waiting for that admin's review, and one whose takedown waits.
WAITING, TAKEDOWN = "00009127", "00009205"
PAGES = {
    "admin-records": "admin/records",
    "admin-records-returned": "admin/records?state=in-revision",
    "admin-queue": "admin/queue",
    "admin-record": f"admin/records/{WAITING}",
    "admin-record-takedown": f"admin/records/{TAKEDOWN}",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("review-browser"))
    with serving(home, "--workers", "1") as running:
        yield running


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_a_review_page_fits_and_passes_axe(site: Server, browser, name: str,
                                           width: int) -> None:
    sign_in(browser, site.url, ADMIN, PASSWORD)
    at_width(browser, width)
    browser.get(site.url + PAGES[name])
    looks_right(browser, f"{name}-{width}", width)


def test_the_agency_admin_opens_the_queue_and_the_record_and_approves_it(site: Server,
                                                                        browser) -> None:
    at_width(browser, 1280)
    sign_in(browser, site.url, ADMIN, PASSWORD)
    browser.get(site.url + "admin/queue")
    row_link = browser.find_element("css selector", f'a[href$="/admin/records/{WAITING}"]')
    click_and_wait(browser, row_link)
    assert browser.current_url.endswith(f"/admin/records/{WAITING}")
    assert "上架審核中-機關管理者" in browser.find_element("css selector", "dl.facts").text
    click_and_wait(browser, browser.find_element("css selector", "button.approve"))
    assert "已完成：通過" in browser.find_element("css selector", ".done").text
    assert "上架審核中-後臺管理者" in browser.find_element("css selector", "dl.facts").text
    screenshot(browser, "admin-record-approved-1280")
    browser.get(site.url + "admin/queue")
    assert WAITING not in browser.find_element("tag name", "main").text
