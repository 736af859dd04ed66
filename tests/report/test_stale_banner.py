"""The pages' banner for stale data and their link to the dbt docs site, on the report's
hand-built warehouse (latest extract 2014-04-07). Only the clock is set (csc.clock)."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

from report_fixture_warehouse import LA, LATEST_EXTRACT

from csc import clock
from csc.report import render_report

BANNER = re.compile(r'<p class="banner stale" id="stale-banner"[^>]*>(.*?)</p>', re.S)


def _render(warehouse: Path, out: Path, monkeypatch, today: date):
    monkeypatch.setattr(clock, "today", lambda: today)
    return render_report(warehouse, "2013-14 Q4", LA, out)


def _banner(page: Path) -> str | None:
    found = BANNER.search(page.read_text(encoding="utf-8"))
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else None


def test_pages_say_when_the_figures_are_stale(fixture_warehouse, tmp_path, monkeypatch):
    monkeypatch.delenv("CSC_STALE_AFTER_DAYS", raising=False)
    assert LATEST_EXTRACT == date(2014, 4, 7)
    stale = _render(fixture_warehouse, tmp_path / "stale", monkeypatch, date(2014, 4, 10))
    expected = ("Stale data: figures as at 2014-04-07 (3 days old). No newer extract has "
                "been loaded for more than 2 days.")
    assert _banner(stale.html) == expected
    assert _banner(stale.clinic) == expected

    fresh = _render(fixture_warehouse, tmp_path / "fresh", monkeypatch, date(2014, 4, 9))
    assert _banner(fresh.html) is None and _banner(fresh.clinic) is None

    monkeypatch.setenv("CSC_STALE_AFTER_DAYS", "3")  # the threshold is the configured one
    assert _banner(_render(fixture_warehouse, tmp_path / "three", monkeypatch,
                           date(2014, 4, 10)).html) is None


def test_pages_link_to_the_docs_site_beside_the_warehouse(fixture_warehouse, tmp_path,
                                                          monkeypatch):
    # No docs site beside the shared fixture: no link.
    plain = _render(fixture_warehouse, tmp_path / "plain", monkeypatch, date(2014, 4, 8))
    assert 'id="docs-link"' not in plain.html.read_text(encoding="utf-8")

    warehouse = tmp_path / "warehouse" / "csc.duckdb"
    warehouse.parent.mkdir()
    shutil.copy2(fixture_warehouse, warehouse)
    site = warehouse.parent / "docs" / "index.html"
    site.parent.mkdir()
    site.write_text("<html>docs</html>", encoding="utf-8")
    files = _render(warehouse, tmp_path / "reports", monkeypatch, date(2014, 4, 8))
    for page in (files.html, files.clinic):
        href = re.search(r'<a href="([^"]+)" id="docs-link">',
                         page.read_text(encoding="utf-8")).group(1)
        assert href == "../warehouse/docs/index.html"  # relative: the folders can move
        assert (page.parent / href).resolve() == site.resolve()
