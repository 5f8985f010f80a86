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
