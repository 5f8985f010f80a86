"""The public pages in a real browser (headless Chromium) served by a real ``yuliao serve``:
at 1280 and 390 px wide each page fits the window, passes axe-core without a serious or
critical violation, runs no inline script under the Content-Security-Policy, and is saved as
a screenshot in tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .browser import WIDTHS, at_width, axe_violations, browser, overflows, screenshot
from .server_support import Server, serving
from .test_serve import make_home

__all__ = ["browser"]  # the fixture, used by name

PAGES = {
    "home": "",
    "home-older": "?before=2026-01-01T00:00:00Z,00001174",
    "record": "record/00001174",
    "record-harvested": "record/paradisec.org.au:AC2",
    "withdrawn": "record/00000026",
    "agency": "agency/A29000000G",
    "sparql": "sparql",
    "sparql-results": "sparql?query=SELECT+%3Fd+%3Ft+WHERE+%7B+%3Fd+dct%3Atitle+%3Ft+%7D+"
                      "LIMIT+5&format=html",
    "missing": "record/99999999",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("browser"))
    with serving(home, "--workers", "1") as running:
        yield running


def console_errors(driver) -> list[str]:
    """What the page logged as errors (a CSP refusal shows up there), but for the status of
    the page itself (a 404 or 410 page is tested on purpose) and a missing favicon."""
    page = driver.current_url
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and "favicon" not in entry["message"]
            and not entry["message"].startswith(f"{page} - Failed to load resource")]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_a_public_page_fits_passes_axe_and_runs_no_inline_script(site: Server, browser,
                                                                 name: str, width: int
                                                                 ) -> None:
    at_width(browser, width)
    browser.get(site.url + PAGES[name])
    assert browser.find_element("tag name", "h1").text.strip()
    screenshot(browser, f"{name}-{width}")
    at_width(browser, width)
    assert not overflows(browser), f"{name} is wider than {width} px"
    assert axe_violations(browser) == []
    assert console_errors(browser) == []
