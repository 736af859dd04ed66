"""The report of the real demo: generated drops -> the real nightly flow (DuckDB, dbt, GX;
the session's `published_demo`, read-only) -> the published file -> `render_report` for the
latest complete period. Opened in headless Chromium, and every number on the page and in
the workbook compared with marts.measure_values_as_reported. A measure the demo does not
publish keeps its place with a note; the same checks hold as more marts land."""

from __future__ import annotations

import pytest
from report_browser import keep_screenshot, visit
from report_checks import check_page, check_workbook, expected_figures

from csc.report import render_report
from csc.report.periods import ReportingPeriod, report_columns

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def demo_report(published_demo, tmp_path_factory):
    files = render_report(published_demo.published, None, "808",
                          tmp_path_factory.mktemp("demo-report"))
    return published_demo.published, files


def test_demo_report_numbers_equal_the_published_marts(demo_report):
    warehouse, files = demo_report
    assert files.period == "2013-14 Q4"
    periods = [p.label for p in report_columns(ReportingPeriod.parse(files.period))]
    expected = expected_figures(warehouse, "marts.measure_values_as_reported", "808", periods)
    assert expected, "the demo publishes no figure for the report's periods"
    assert check_page(files.html, expected) >= len(expected)
    assert check_workbook(files.xlsx, expected) >= len(expected)
    # One LA: no region or England to compare with, and the page says so.
    assert "This warehouse holds one LA&#39;s data" in files.html.read_text(encoding="utf-8")


def test_demo_report_in_headless_chromium(demo_report, tmp_path):
    _, files = demo_report
    shot = tmp_path / "demo-cabinet-report-808.png"
    seen = visit(files.html, shot)
    kept = keep_screenshot(shot, files.html.parent)
    print(f"screenshot: {kept}")
    assert seen.console_errors == [] and seen.page_errors == []
    assert seen.failed_requests == [] and seen.network_requests == []
    assert seen.scroll_width <= 1366
