"""Open a rendered page in Debian's headless Chromium (never a downloaded browser), with
everything that could reach the network switched off, and record what went wrong."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LAPTOP = {"width": 1366, "height": 900}


def chromium_or_skip() -> str:
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            break
    else:
        pytest.skip("no Chromium at /usr/bin/chromium: install Debian's package "
                    "(`apt-get install -y chromium`, as .ci/run does) to run the browser test")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("the playwright Python package is not installed (make venv)")
    return path


@dataclass
class PageVisit:
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    network_requests: list[str] = field(default_factory=list)  # anything not file: / data:
    scroll_width: int = 0
    print_nav_display: str = ""
    arrows: int = 0
    charts: int = 0


def visit(html: Path, screenshot: Path) -> PageVisit:
    """Open `html` at laptop size, take a full-page screenshot, then look at it in print
    media. Returns what the browser reported."""
    from playwright.sync_api import sync_playwright

    executable = chromium_or_skip()
    result = PageVisit()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=LAPTOP)
            page.on("console", lambda m: result.console_errors.append(m.text)
                    if m.type == "error" else None)
            page.on("pageerror", lambda e: result.page_errors.append(str(e)))
            page.on("requestfailed", lambda r: result.failed_requests.append(r.url))
            page.on("request", lambda r: result.network_requests.append(r.url)
                    if not r.url.startswith(("file:", "data:")) else None)
            page.goto(html.resolve().as_uri(), wait_until="load")
            result.scroll_width = page.evaluate("document.documentElement.scrollWidth")
            result.arrows = page.locator("td.dir[data-direction]").count()
            result.charts = page.locator("svg.trend").count()
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
            page.emulate_media(media="print")
            nav = page.locator("nav.toc")
            result.print_nav_display = nav.evaluate("e => getComputedStyle(e).display")
        finally:
            browser.close()
    return result


def keep_screenshot(screenshot: Path, reports_dir: Path) -> Path:
    """Copy the screenshot beside the report it shows, and to $CSC_SCREENSHOT_DIR if set."""
    kept = reports_dir / screenshot.name
    shutil.copy2(screenshot, kept)
    if os.environ.get("CSC_SCREENSHOT_DIR"):
        target = Path(os.environ["CSC_SCREENSHOT_DIR"])
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(screenshot, target / screenshot.name)
    return kept
