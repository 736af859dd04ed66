"""Fixtures for the report's tests: a hand-built published warehouse and its rendering."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_fixture_warehouse import LA, build_fixture_warehouse

from csc.report import ReportFiles, render_report


@pytest.fixture(scope="session")
def fixture_warehouse(tmp_path_factory) -> Path:
    return build_fixture_warehouse(tmp_path_factory.mktemp("report-wh") / "csc.duckdb")


@pytest.fixture(scope="session")
def rendered(fixture_warehouse, tmp_path_factory) -> ReportFiles:
    """The Cabinet report of the fixture for 2013-14 Q4, as first reported."""
    out = tmp_path_factory.mktemp("reports")
    return render_report(fixture_warehouse, "2013-14 Q4", LA, out)
