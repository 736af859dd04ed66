"""The rendered pages in a real browser: they load with no console error, ask nothing of
the network, fit a laptop screen, and hide the navigation in print."""

from __future__ import annotations

from report_browser import keep_screenshot, visit


def test_cabinet_page_in_headless_chromium(rendered, tmp_path):
    shot = tmp_path / "cabinet-report-808-2013-14-Q4.png"
    seen = visit(rendered.html, shot)
    kept = keep_screenshot(shot, rendered.html.parent)
    print(f"screenshot: {kept}")
    assert seen.console_errors == []
    assert seen.page_errors == []
    assert seen.failed_requests == []
    assert seen.network_requests == []
    assert seen.scroll_width <= 1366, "the page scrolls sideways on a 1366px laptop screen"
    assert seen.arrows > 50 and seen.charts >= 25  # 27 measures, 2 with no quarters
    assert seen.print_nav_display == "none"
    assert kept.stat().st_size > 50_000


def test_clinic_page_in_headless_chromium(rendered, tmp_path):
    shot = tmp_path / "performance-clinic-808-2013-14-Q4.png"
    seen = visit(rendered.clinic, shot)
    keep_screenshot(shot, rendered.clinic.parent)
    assert seen.console_errors == [] and seen.page_errors == []
    assert seen.failed_requests == [] and seen.network_requests == []
    assert seen.scroll_width <= 1366
