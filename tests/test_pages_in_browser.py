"""The public pages in a real browser (headless Chromium) served by a real ``yuliao serve``:
at 1280 and 390 px wide each page fits the window, passes axe-core without a serious or
critical violation, runs no inline script under the Content-Security-Policy, and is saved as
a screenshot in tests/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .browser import WIDTHS, at_width, browser, click_and_wait, looks_right, screenshot
from .server_support import Server, serving
from .test_serve import make_home

__all__ = ["browser"]  # the fixture, used by name

PAGES = {
    "home": "",
    "home-older": "?before=2026-01-01T00:00:00Z,00001174",
    "record": "record/00001174",
    "record-harvested": "record/paradisec.org.au:AC2",
    "record-with-file": "record/00000014",
    "withdrawn": "record/00000026",
    "agency": "agency/A29000000G",
    "sparql": "sparql",
    "sparql-results": "sparql?query=SELECT+%3Fd+%3Ft+WHERE+%7B+%3Fd+dct%3Atitle+%3Ft+%7D+"
                      "LIMIT+5&format=html",
    "sparql-error": "sparql?query=SELECT+%3Fs+WHERE+%7B+%3Fs+%3Fp+%7D",
    "missing": "record/99999999",
    "language": "language/nan",
    "licence": "licence/SAITDL-1.0",
    "catalog": "catalog",
    "void": ".well-known/void",
    "search": "search?q=%E8%AA%9E%E6%96%99",
    "search-chosen": "search?q=%E8%AA%9E%E6%96%99&facet=ai:yes&facet=language:cmn&sort=title",
    "search-refused": "search?page=x",
    "search-suggested": "search?q=dictionay",
    "api": "api",
    "browse": "browse",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = make_home(tmp_path_factory.mktemp("browser"))
    with serving(home, "--workers", "1") as running:
        yield running


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_a_public_page_fits_passes_axe_and_runs_no_inline_script(site: Server, browser,
                                                                 name: str, width: int
                                                                 ) -> None:
    at_width(browser, width)
    browser.get(site.url + PAGES[name])
    looks_right(browser, f"{name}-{width}", width)


def test_a_person_searches_narrows_sorts_pages_switches_language_and_opens_a_record(
        site: Server, browser) -> None:
    """The search page as a person uses it, with nothing but clicks and typing."""
    from selenium.webdriver.support.select import Select

    by = "css selector"
    at_width(browser, 1280)
    browser.get(site.url + "search")
    browser.find_element(by, "#q").send_keys("語料")
    click_and_wait(browser, browser.find_element(by, "form.search button"))
    total = browser.find_element(by, "#found").text
    for facet in ("語言", "AI 訓練"):
        section = next(s for s in browser.find_elements(by, "aside section")
                       if s.find_element(by, "h2").text == facet)
        click_and_wait(browser, section.find_element(by, "li a"))
    assert len(browser.find_elements(by, "aside a[aria-current='true']")) == 2
    assert browser.find_element(by, "#found").text != total
    Select(browser.find_element(by, "#sort")).select_by_value("title")
    click_and_wait(browser, browser.find_element(by, "form.sort button"))
    assert "sort=title" in browser.current_url and browser.current_url.count("facet=") == 2
    screenshot(browser, "search-story-zh-1280")
    click_and_wait(browser, browser.find_element(by, "header nav.languages a[lang='en']"))
    assert browser.find_element(by, "h1").text == "Search the datasets"
    assert browser.current_url.count("facet=") == 2  # the switch came back to this search
    first = browser.find_element(by, "ol.hits h3 a")
    title = first.text
    click_and_wait(browser, first)
    assert "/record/" in browser.current_url and title in browser.page_source
    browser.back()
    assert browser.find_element(by, "ol.hits h3 a").text == title
    screenshot(browser, "search-story-en-1280")
