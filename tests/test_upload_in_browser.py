"""Uploads through ``yuliao serve`` for real (a web worker passing each part to the owner
process, bodies capped by ``[limits] max_body``), from a script and from headless Chromium:
a file larger than one request body arrives in parts, a part over the cap is refused before
it is read, and a provider who picks a file in the form sees it checked and the keywords and
description drafted from it, puts the draft in the form and saves the dataset with the file.
Screenshots: tests/screenshots/upload-*.png."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from .browser import (
    BY,
    WIDTHS,
    at_width,
    axe_violations,
    browser,
    console_errors,
    overflows,
    screenshot,
    sign_in,
    type_into,
    wait_for,
)
from .office_support import csrf_token
from .server_support import Server, serving
from .test_serve import make_home
from .test_uploads import REPORT

__all__ = ["browser"]  # the fixture, used by name

PROVIDER, PASSWORD = "moda.provider@example.org", "demo-moda-provider"
#: A small request body, so that a file of a few hundred kilobytes takes several parts.
MAX_BODY = 65_536
TIMEOUT = 30


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("uploads"), f"[limits]\nmax_body = {MAX_BODY}\n")
    with serving(home, "--workers", "1") as running:
        yield running


def signed_in(site: Server) -> tuple[requests.Session, str]:
    """A session of the demo provider and the CSRF token of its form page."""
    session = requests.Session()
    login = session.get(site.url + "login", timeout=TIMEOUT).text
    token = csrf_token(login)
    unsecured(session)
    signed = session.post(site.url + "login", timeout=TIMEOUT, allow_redirects=False, data={
        "email": PROVIDER, "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 302, signed.text[:500]
    unsecured(session)
    page = session.get(site.url + "admin/records/new", timeout=TIMEOUT).text
    return session, csrf_token(page)


def unsecured(session: requests.Session) -> None:
    """The session's cookies sent over http too: the demo home's base URI is https, so its
    cookies are Secure (a browser sends them to 127.0.0.1 anyway, requests does not)."""
    for cookie in session.cookies:
        cookie.secure = False


def test_a_file_larger_than_a_request_arrives_in_parts_through_the_worker(site: Server):
    session, token = signed_in(site)
    data = ("地名,語言,筆數\n" + "臺北,臺灣台語,12\n" * 20_000).encode()  # 460 KB
    headers = {"Tus-Resumable": "1.0.0", "X-CSRFToken": token}
    created = session.post(site.url + "admin/uploads", timeout=TIMEOUT, headers={
        **headers, "Upload-Length": str(len(data)),
        "Upload-Metadata": "filename " + base64.b64encode(b"places.csv").decode()})
    assert created.status_code == 201, created.text
    url = site.url.rstrip("/") + created.headers["Location"]
    part = {**headers, "Content-Type": "application/offset+octet-stream"}
    too_big = session.patch(url, data=data[:MAX_BODY + 1], timeout=TIMEOUT,
                            headers={**part, "Upload-Offset": "0"})
    assert too_big.status_code == 413  # refused by the worker before it reached the owner
    for offset in range(0, len(data), MAX_BODY):
        sent = session.patch(url, data=data[offset:offset + MAX_BODY], timeout=TIMEOUT,
                             headers={**part, "Upload-Offset": str(offset)})
        assert sent.status_code == 204, sent.text
    deadline = time.monotonic() + TIMEOUT
    while (answer := session.get(url, timeout=TIMEOUT).json())["state"] not in (
            "ready", "refused") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert answer["state"] == "ready", answer
    assert answer["file"]["sha256"] == hashlib.sha256(data).hexdigest()


def report_file(folder: Path) -> Path:
    """A CSV of the report's sentences (what a provider would upload)."""
    path = folder / "客語語料說明.csv"
    rows = ["編號,內容", *(f"{n},{line}" for n, line in enumerate(REPORT.split("\n"), 1))]
    path.write_text("\n".join(rows * 3) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("width", WIDTHS)
def test_a_provider_uploads_a_file_and_edits_the_drafted_description(
        site: Server, browser, tmp_path: Path, width: int) -> None:
    at_width(browser, width)
    sign_in(browser, site.url, PROVIDER, PASSWORD)
    browser.get(site.url + "admin/records/new")
    type_into(browser, "title_zh", "客語語料說明")
    browser.find_element(BY, "#f-file").send_keys(str(report_file(tmp_path)))
    wait_for(browser, lambda d: "已檢查" in d.find_element(BY, "#upload-list").text, 30)
    wait_for(browser, lambda d: d.find_element(BY, "#drafts").is_displayed(), 30)
    keywords = browser.find_element(BY, "#draft-keywords").text
    assert "客語" in keywords
    browser.find_element(BY, "button[data-target='f-description']").click()
    description = browser.find_element(BY, "#f-description").get_attribute("value")
    assert description and description == browser.find_element(
        BY, "#draft-description").text
    type_into(browser, "description", description + "本資料集供研究使用。")  # edited
    assert not overflows(browser), f"the form is wider than {width} px"
    assert axe_violations(browser) == []
    screenshot(browser, f"upload-drafted-{width}")
    at_width(browser, width)
    browser.find_element(BY, "button[value=save]").click()
    wait_for(browser, lambda d: "done=saved" in d.current_url, 30)
    table = browser.find_element(BY, "table.stored-files").text
    assert "客語語料說明.csv" in table
    assert not overflows(browser)
    assert axe_violations(browser) == []
    screenshot(browser, f"upload-saved-{width}")
    assert console_errors(browser) == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_restricted_file_under_saitdl_is_explained_and_its_agency_accepts_its_terms(
        site: Server, browser, width: int) -> None:
    name = "領域資料標準清單.csv"  # demo record 00001174: SAITDL, restricted, of 數位發展部
    at_width(browser, width)
    browser.delete_all_cookies()
    browser.get(f"{site.url}record/00001174/files/{name}")
    assert "限制取用" in browser.find_element(BY, "main").text
    assert not overflows(browser)
    assert axe_violations(browser) == []
    screenshot(browser, f"download-refused-{width}")
    assert console_errors(browser) == []  # but the page's own 403
    sign_in(browser, site.url, PROVIDER, PASSWORD)
    browser.get(f"{site.url}admin/licence/00001174/{name}")
    text = browser.find_element(BY, "main").text
    assert "臺灣主權AI訓練語料授權條款" in text and "資料來源：數位發展部" in text
    assert not overflows(browser)
    assert axe_violations(browser) == []
    screenshot(browser, f"licence-terms-{width}")
    assert console_errors(browser) == []
