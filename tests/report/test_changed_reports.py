"""The nightly report step renders only the LAs whose published figures changed."""

from __future__ import annotations

import json
import re
import shutil
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest
from report_fixture_warehouse import LA, LATEST_EXTRACT

from csc import clock
from csc.report import (
    DIGESTS_FILE,
    REPORT_CODE,
    REPORT_TABLES,
    ReportInputError,
    render_changed_reports,
    report_workers,
)

OTHER_LA = "999"


def _two_la_warehouse(fixture_warehouse: Path, tmp_path: Path) -> Path:
    """A private copy of the report fixture with a second LA: a copy of LA's rows."""
    warehouse = tmp_path / "csc.duckdb"
    shutil.copyfile(fixture_warehouse, warehouse)
    with duckdb.connect(str(warehouse)) as con:
        for table, where in REPORT_TABLES.items():
            if where is None or not con.execute(
                    "select count(*) from duckdb_tables() where schema_name || '.' || "
                    "table_name = ?", [table]).fetchone()[0]:
                continue
            con.execute(f"insert into {table} by name select * replace ('{OTHER_LA}' as "
                        f"la_code) from {table} where la_code = '{LA}'")
    return warehouse


def _rendered(files) -> dict[str, bool]:
    return {f.html.name.split("-")[2]: f.rendered for f in files}


def _bytes(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.name != DIGESTS_FILE}


def test_only_the_las_whose_figures_changed_are_rendered(fixture_warehouse, tmp_path):
    warehouse = _two_la_warehouse(fixture_warehouse, tmp_path)
    out = tmp_path / "reports"
    las = [LA, OTHER_LA]
    # a first run renders every LA
    assert _rendered(render_changed_reports(warehouse, las, out)) == {LA: True, OTHER_LA: True}
    before = _bytes(out)
    # nothing changed: nothing rendered, every file as it was
    assert _rendered(render_changed_reports(warehouse, las, out)) == {LA: False,
                                                                      OTHER_LA: False}
    assert _bytes(out) == before
    # one LA's published figure changes: that LA alone is rendered
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.measure_values_as_reported set numerator = numerator + 1 "
                    "where la_code = ? and numerator is not null and rowid = "
                    "(select min(rowid) from marts.measure_values_as_reported "
                    " where la_code = ? and numerator is not null)", [LA, LA])
    files = render_changed_reports(warehouse, las, out)
    assert _rendered(files) == {LA: True, OTHER_LA: False}
    other = [p for p in before if f"-{OTHER_LA}-" in p]
    assert other and all((out / p).read_bytes() == before[p] for p in other)
    # a missing file renders its LA again
    next(f for f in files if f.html.name.split("-")[2] == OTHER_LA).xlsx.unlink()
    assert _rendered(render_changed_reports(warehouse, las, out)) == {LA: False,
                                                                      OTHER_LA: True}
    # the digests lost: everything is rendered again
    (out / DIGESTS_FILE).unlink()
    assert _rendered(render_changed_reports(warehouse, las, out)) == {LA: True, OTHER_LA: True}


def test_a_change_in_a_table_every_report_reads_renders_every_la(fixture_warehouse, tmp_path):
    warehouse = _two_la_warehouse(fixture_warehouse, tmp_path)
    out = tmp_path / "reports"
    render_changed_reports(warehouse, [LA, OTHER_LA], out)
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update marts.measure_catalogue set title = title || ' (new)' "
                    "where rowid = 0")
    assert _rendered(render_changed_reports(warehouse, [LA, OTHER_LA], out)) == {
        LA: True, OTHER_LA: True}


def test_the_digest_covers_every_table_the_report_reads():
    # A table the report's code reads but REPORT_TABLES does not list could change without
    # its pages being rendered again. The run log is left out on purpose (a kept page shows
    # the run that rendered it); the load manifest gives the latest extract date, digested.
    named = set()
    for path in REPORT_CODE.rglob("*.py"):
        named |= set(re.findall(r"\b(?:marts|meta)\.[a-z_0-9]+\b", path.read_text()))
    assert named - set(REPORT_TABLES) == {"meta.refresh_runs", "meta.loaded_drops"}


def _stamps_removed(pages: dict[str, bytes]) -> dict[str, bytes]:
    """The pages without the time of rendering (a workbook carries it in its zip entries'
    times and its properties: compared by the pages' text only)."""
    return {name: re.sub(rb"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?", b"", page)
            for name, page in pages.items() if name.endswith(".html")}


def test_the_las_rendered_in_parallel_get_the_pages_of_one_process(
        fixture_warehouse, tmp_path, monkeypatch):
    """Two LAs, two processes (each LA's report in a spawned process) against one process:
    the same pages; the stale banner is the refresh process's (its clock is the one set
    here, which a spawned process would not see)."""
    warehouse = _two_la_warehouse(fixture_warehouse, tmp_path)
    monkeypatch.setattr(clock, "today", lambda: LATEST_EXTRACT + timedelta(days=30))
    pages = {}
    for workers in ("2", "1"):
        monkeypatch.setenv("CSC_REPORT_WORKERS", workers)
        assert report_workers(2) == int(workers)
        out = tmp_path / f"reports-{workers}"
        assert _rendered(render_changed_reports(warehouse, [LA, OTHER_LA], out)) == {
            LA: True, OTHER_LA: True}
        pages[workers] = _stamps_removed(_bytes(out))
    assert len(pages["2"]) == 4 and pages["2"] == pages["1"]
    assert all(b'id="stale-banner"' in page for page in pages["2"].values())


def test_a_report_that_fails_in_a_rendering_process_fails_the_step(
        fixture_warehouse, tmp_path, monkeypatch):
    """An LA with no figures, rendered in a second process: the step fails with the
    report's own error, as it does in one process, and records no digest for either LA."""
    warehouse = _two_la_warehouse(fixture_warehouse, tmp_path)
    monkeypatch.setenv("CSC_REPORT_WORKERS", "2")
    out = tmp_path / "reports"
    with pytest.raises(ReportInputError, match="no reporting period has figures for LA 000"):
        render_changed_reports(warehouse, [LA, "000"], out)
    assert json.loads((out / DIGESTS_FILE).read_text()) == {}
