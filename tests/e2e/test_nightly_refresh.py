"""The walking skeleton end to end: generated drops -> the real Prefect flow (real DuckDB,
dbt, GX) -> the published file, queried as an analyst would. The first refreshes are the
session's shared ones (tests/conftest.py); what a test runs next runs on a private copy."""

import hashlib
import shutil
from datetime import date

import duckdb
import pytest

from csc import clock
from csc.cli import main as csc_main
from csc.config import warehouse_paths
from csc.generate import DEMO_PERIODS

pytestmark = pytest.mark.e2e


def _figures(path):
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            """select reporting_period, numerator from marts.measure_values_as_reported
               where measure_id = 'contacts' and la_code = '808' and breakdown_by is null
               order by window_end"""
        ).fetchall()


def test_refresh_publishes_and_is_idempotent(prefect_harness, nightly_flow, published_demo,
                                             demo_landing, tmp_path, monkeypatch):
    # The session's shared published_demo (read here read-only): the first demo drop
    # published, then every later drop in one more refresh, built incrementally.
    summary, warehouse = published_demo.summary, published_demo.published
    assert summary.validation.success
    assert len(summary.loaded.drops_loaded) == len(DEMO_PERIODS) - 1
    assert summary.build.plan == "incremental"

    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select * from marts.measure_values where measure_id = 'contacts'").fetchall()
        assert rows
        schemas = {r[0] for r in con.execute("select schema_name from duckdb_tables()").fetchall()}
        assert schemas == {"marts", "meta"}
        runs = con.execute("select status from meta.refresh_runs order by started_at").fetchall()
        # the run that wrote the file reads `published`: its reports were still to come
        assert runs == [("succeeded",), ("published",)]
    published = dict(_figures(warehouse))
    for period in DEMO_PERIODS:
        assert published[period.label] == period.contacts

    # A second refresh over the same landing folder (on a private copy of the warehouse)
    # loads nothing and changes no figure. Its clock says two days after the newest drop,
    # 2014-04-14: on the staleness threshold (2 days), so fresh, and it must not warn
    # (test_stale_refresh.py checks the stale runs of published_demo do).
    warehouse = published_demo.copy_to(tmp_path / "demo").published
    monkeypatch.setattr(clock, "today", lambda: date(2014, 4, 16))
    again = nightly_flow.nightly_refresh(landing=str(demo_landing), warehouse=str(warehouse))
    assert again.loaded.drops_loaded == []
    assert again.build.skipped  # nothing new: the marts of the first build stand
    fresh = again.freshness
    assert (fresh.staleness.days, fresh.staleness.stale, fresh.dbt_status) == (2, False, "pass")
    assert not any("stale" in w for w in again.warnings)
    assert "Freshness warning" not in again.log_file.read_text(encoding="utf-8")
    for page in (again.reports[0].html, again.reports[0].clinic):
        assert 'id="stale-banner"' not in page.read_text(encoding="utf-8")
    with duckdb.connect(str(warehouse_paths(warehouse).work), read_only=True) as con:
        assert con.execute("select extract_age_days, stale, freshness_status, "
                           "coalesce(warnings, '') like '%stale data%' from meta.refresh_runs "
                           "where run_id = ?", [again.run_id]).fetchone() == (
            2, False, "pass", False)
    assert dict(_figures(warehouse)) == published
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select status from meta.refresh_runs order by started_at"
                           ).fetchall() == [("succeeded",), ("succeeded",), ("published",)]
    with duckdb.connect(str(warehouse_paths(warehouse).work), read_only=True) as con:
        assert con.execute(  # the third too, once its reports were rendered
            "select count(*) from meta.refresh_runs where status = 'succeeded'").fetchone()[0] == 3


def test_failed_refresh_leaves_published_file_untouched(prefect_harness, first_drop_published,
                                                        demo_landing, tmp_path, capsys):
    # The first drop published by an earlier refresh (a private copy of the session's).
    copy = first_drop_published.copy_to(tmp_path / "night")
    landing, warehouse = copy.root / "landing", copy.published
    before = hashlib.sha256(warehouse.read_bytes()).hexdigest()

    second = DEMO_PERIODS[1].extract_date.isoformat()
    shutil.copytree(demo_landing / second, landing / second)
    (landing / second / "raise" / "referrals.csv").unlink()
    assert csc_main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert "referrals.csv: missing file" in err and "was not changed" in err
    assert hashlib.sha256(warehouse.read_bytes()).hexdigest() == before
