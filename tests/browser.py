"""A real browser for the tests: Debian's headless Chromium driven by selenium, axe-core
injected into the pages it checks, screenshots kept in tests/screenshots/ to look at.

The browser, its driver and axe-core are installed by the project's own files (.ci/run installs
Debian's ``chromium``, ``chromium-driver`` and ``fonts-noto-cjk`` when it runs as root; ``make
install`` runs ``npm ci`` for axe-core; selenium is in the test extra). A test that needs one
of them skips, naming what is missing.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
#: The widths every page is looked at: a desktop and a small phone.
WIDTHS = (1280, 390)
#: axe-core impacts that fail a test.
FAILING_IMPACTS = ("serious", "critical")
#: Chromium's switches for a closed network (no background requests to Google's hosts).
SWITCHES = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--hide-scrollbars")


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """A headless Chromium (one for the session), or a skip naming what is missing."""
    webdriver = pytest.importorskip("selenium.webdriver",
                                    reason="needs selenium (the test extra)")
    binary, driver_path = chromium_binary(), shutil.which("chromedriver")
    if binary is None or driver_path is None:
        pytest.skip("needs Debian's chromium and chromium-driver (`apt-get install chromium "
                    "chromium-driver`; .ci/run installs them when it runs as root)")
    profile = tempfile.mkdtemp(prefix="yuliao-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for switch in (*SWITCHES, f"--user-data-dir={profile}"):
        options.add_argument(switch)
    # a reader in Taiwan: the pages follow the browser's Accept-Language on a first visit
    options.add_argument("--lang=zh-TW")
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-TW,zh"})
    driver = webdriver.Chrome(options=options,
                              service=webdriver.ChromeService(executable_path=driver_path))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def at_width(driver, width: int, height: int = 1000) -> None:
    driver.set_window_size(width, height)


def screenshot(driver, name: str) -> Path:
    """The whole page saved as tests/screenshots/{name}.png (to be looked at)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.execute_script("return window.innerWidth")
    driver.set_window_size(width, min(max(height, 600), 8000))
    driver.save_screenshot(str(path))
    return path


def axe_violations(driver) -> list[dict]:
    """The serious and critical axe-core violations of the page, each with its id, impact,
    help and the first failing element; skips when axe-core is not installed."""
    if not AXE.exists():
        pytest.skip("needs axe-core (`npm ci` in the project, which `make install` runs)")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "where": (v["nodes"][0]["target"] if v["nodes"] else None)}
            for v in result if v["impact"] in FAILING_IMPACTS]


def overflows(driver) -> bool:
    """True when the page is wider than the window (it scrolls sideways)."""
    return driver.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth + 1")


# -- what every browser test does --------------------------------------------------------------

BY = "css selector"


def wait_for(driver, condition, timeout: float = 10.0):
    """What ``condition(driver)`` returns once it is true, waiting at most ``timeout`` s."""
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def click_and_wait(driver, element) -> None:
    """Click ``element`` and wait until the page it leads to has replaced this one (marked by
    a property that only the old page's window has)."""
    driver.execute_script("window.yuliaoLeaving = true")
    element.click()
    wait_for(driver, lambda d: d.execute_script(
        "return !window.yuliaoLeaving && document.readyState === 'complete'"))


def console_errors(driver) -> list[str]:
    """What the page logged as errors (a CSP refusal shows up there), but for the status of
    the page itself (a 404 or 410 page is tested on purpose)."""
    page = driver.current_url
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE"
            and not entry["message"].startswith(f"{page} - Failed to load resource")]


def looks_right(driver, shot: str, width: int) -> None:
    """The page loaded in ``driver``, at ``width`` px: it has a heading, is saved as
    tests/screenshots/{shot}.png, fits the window, has no serious or critical axe-core
    violation and logged no error."""
    at_width(driver, width)
    assert driver.find_element("tag name", "h1").text.strip()
    screenshot(driver, shot)
    at_width(driver, width)
    assert not overflows(driver), f"{shot} is wider than {width} px"
    assert axe_violations(driver) == [], shot
    assert console_errors(driver) == [], shot


def sign_in(driver, site_url: str, email: str, password: str) -> None:
    """A fresh session (no cookie kept) signed in through the login form of the site at
    ``site_url``; waits for the back office's first page it leads to."""
    driver.delete_all_cookies()
    driver.get(site_url + "login")
    driver.find_element("id", "email").send_keys(email)
    driver.find_element("id", "password").send_keys(password)
    click_and_wait(driver, driver.find_element(BY, "form.login button"))
    assert driver.current_url.endswith("/admin"), driver.page_source[:1000]


# -- the dataset form ------------------------------------------------------------------------


def type_into(driver, field: str, text: str) -> None:
    """``text`` in place of what the form's field ``field`` held."""
    element = driver.find_element(BY, f"#f-{field}")
    element.clear()
    element.send_keys(text)


def fill_dataset_form(driver, file_name: str, years: tuple[str, str]) -> None:
    """Every field but the title and description that a conforming record needs, filled as a
    provider of 數位發展部 fills them: a Hakka language resource picked by name, one CSV file
    named ``file_name``, OGDL for good, ``years``, a contact."""
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.select import Select

    type_into(driver, "keywords", "客語、語料，詞彙")
    driver.find_element(BY, "label[for='f-text_types-language-resource']").click()
    driver.find_element(BY, "label[for='f-domains-culture-arts']").click()
    search = driver.find_element(BY, "#s-languages")
    search.send_keys("客語")
    wait_for(driver, lambda d: d.find_elements(BY, "#l-languages option[value='hak']"))
    search.send_keys(Keys.ENTER)
    wait_for(driver, lambda d: d.find_element(BY, "#f-languages").get_attribute("value")
             == "hak")
    type_into(driver, "file_name-1", file_name)
    Select(driver.find_element(BY, "#f-file_format-1")).select_by_value("CSV")
    type_into(driver, "file_size-1", "12.5 MB")
    Select(driver.find_element(BY, "#f-licence")).select_by_value("OGDL-Taiwan-1.0")
    driver.find_element(BY, "label[for='f-validity']").click()
    type_into(driver, "years", years[0])
    type_into(driver, "year_end", years[1])
    type_into(driver, "contact_name", "林小明")
    type_into(driver, "contact_phone", "(02)-23800791")
    type_into(driver, "contact_email", "opendata@moda.gov.tw")
