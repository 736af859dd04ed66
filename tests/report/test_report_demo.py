"""The report of the real demo: generated drops -> the nightly flow's steps (real DuckDB,
dbt, GX) -> the published file -> `render_report` for the latest complete period. Opened in
headless Chromium, and every number on the page and in the workbook compared with
marts.measure_values_as_reported. On main today the demo publishes only the contacts
measure, so the other measures keep their places with a note; the same checks hold as more
marts land."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_browser import keep_screenshot, visit
from report_checks import check_page, check_workbook, expected_figures

from csc.build import run_dbt_build
from csc.config import warehouse_paths
from csc.load import load_new_drops
from csc.publish import publish
from csc.report import render_report
from csc.report.periods import ReportingPeriod, report_columns
from csc.runlog import finish_run, start_run
from csc.validate import validate_build

pytestmark = pytest.mark.e2e


def publish_demo(landing: Path, warehouse: Path) -> None:
    """The nightly flow's steps, called as the plain functions its tasks wrap (the flow
    itself is tested in tests/e2e; this keeps the report's test off the Prefect server):
    load, dbt build, the GX gate, the run log, the atomic publish."""
    paths = warehouse_paths(warehouse)
    run_id = start_run(paths.work)
    loaded = load_new_drops(landing, paths.work)
    run_dbt_build(paths.work)
    validation = validate_build(paths.work, paths.gx_root)
    assert validation.success, validation.failures
    finish_run(paths.work, run_id, "succeeded", drops_loaded=loaded.drops_loaded,
               rows_loaded=loaded.rows_read, validation_result=validation.summary())
    publish(paths)


@pytest.fixture(scope="module")
def demo_report(demo_landing, tmp_path_factory):
    root = tmp_path_factory.mktemp("demo-report")
    warehouse = root / "warehouse" / "csc.duckdb"
    publish_demo(demo_landing, warehouse)
    files = render_report(warehouse, None, "808", root / "reports")
    return warehouse, files


def test_demo_report_numbers_equal_the_published_marts(demo_report):
    warehouse, files = demo_report
    assert files.period == "2013-14 Q4"
    periods = [p.label for p in report_columns(ReportingPeriod.parse(files.period))]
    expected = expected_figures(warehouse, "marts.measure_values_as_reported", "808", periods)
    assert expected, "the demo publishes no figure for the report's periods"
    assert check_page(files.html, expected) >= len(expected)
    assert check_workbook(files.xlsx, expected) >= len(expected)


def test_demo_report_in_headless_chromium(demo_report, tmp_path):
    _, files = demo_report
    shot = tmp_path / "demo-cabinet-report-808.png"
    seen = visit(files.html, shot)
    kept = keep_screenshot(shot, files.html.parent)
    print(f"screenshot: {kept}")
    assert seen.console_errors == [] and seen.page_errors == []
    assert seen.failed_requests == [] and seen.network_requests == []
    assert seen.scroll_width <= 1366
