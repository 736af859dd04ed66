"""The step recorder (flows/recorder.py) on a real work database and a real publication,
without Prefect: each step's result goes to the run's row in meta.refresh_runs; the run is
`succeeded` only once its last step (the reports) is done; a report failure fails the run at
the report step, after the warehouse was published; stale data is a warning (logged and
recorded), never a failure."""

import json
import logging
from datetime import date

import duckdb
import pytest

from csc.build import BuildResult
from csc.config import warehouse_paths
from csc.freshness import FreshnessResult, Staleness
from csc.load import LoadResult
from csc.publish import DocsSite, publish_warehouse
from csc.runlog import read_run
from csc.validate import SuiteResult, ValidationResult
from csc.workdb import prepare_work_db
from flows.recorder import STEPS, RefreshFailed, ValidationFailed, refresh_run

LOG = logging.getLogger("csc.test_recorder")


def _warehouse(tmp_path):
    paths = warehouse_paths(tmp_path / "wh" / "csc.duckdb")
    prepare_work_db(paths.work)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.measure_values as select '808' as la_code, "
                    "'contacts' as measure_id, 5 as value")
    return paths


def _published_status(paths, run_id):
    with duckdb.connect(str(paths.published), read_only=True) as con:
        return con.execute("select status from meta.refresh_runs where run_id = ?",
                           [run_id]).fetchone()[0]


FRESH = FreshnessResult(Staleness(date(2014, 4, 14), date(2014, 4, 16), 2), "pass", 2.0)


def _steps_up_to_publish(run, paths, freshness=FRESH):
    run.step("load", lambda: LoadResult(drops_loaded=["2014-04-14"], rows_read=7,
                                        versions_added=5, versions_closed=1))
    run.step("freshness", lambda: freshness)
    run.step("link", lambda: None)
    run.step("build", lambda: BuildResult(nodes=3, plan="full", reason="first build",
                                          marts_rows=1))
    run.step("validate", lambda: ValidationResult(success=True, suites=[], data_docs=None))
    return run.step("publish", lambda: publish_warehouse(paths, run_id=run.run_id))


def test_the_run_succeeds_only_after_its_report_step(tmp_path):
    paths = _warehouse(tmp_path)
    with refresh_run(paths, tmp_path / "landing", LOG) as run:
        published = _steps_up_to_publish(run, paths)
        # Published, reports still to come: the published copy says so, the work row too.
        assert _published_status(paths, run.run_id) == "published"
        assert read_run(paths.work, run.run_id)["status"] == "running"
        run.step("docs", lambda: DocsSite(paths.docs_index, 1, ["marts.measure_values"], 9))
        run.step("report", lambda: [])
    row = read_run(paths.work, run.run_id)
    assert row["status"] == "succeeded" and row["finished_at"] is not None
    assert (row["drops_loaded"], row["rows_loaded"], row["versions_added"],
            row["versions_closed"], row["dbt_nodes"]) == ("2014-04-14", 7, 5, 1, 3)
    assert (row["measures_published"], row["published_rows"]) == (1, published.total_rows)
    assert row["report_path"] is None
    assert row["docs_site"] == str(paths.docs_index)
    assert (row["newest_extract"], row["extract_age_days"], row["stale_after_days"],
            row["stale"], row["freshness_status"], row["warnings"]) == (
        date(2014, 4, 14), 2, 2, False, "pass", None)
    assert set(json.loads(row["step_seconds"])) == set(STEPS)
    assert json.loads(row["step_attempts"]) == dict.fromkeys(STEPS, 1)
    assert json.loads(row["step_rows"]) == {"load": 7, "build": 1,
                                            "publish": published.total_rows}
    with duckdb.connect(str(paths.published), read_only=True) as con:
        attempts = con.execute("select step_attempts from meta.refresh_runs").fetchone()[0]
    # The published copy holds the steps up to and including the publish under way.
    assert json.loads(attempts) == dict.fromkeys(STEPS[:STEPS.index("publish") + 1], 1)


def test_a_report_failure_fails_the_run_after_the_publication(tmp_path):
    paths = _warehouse(tmp_path)

    def no_reports():
        raise OSError("the reports folder is not writable")

    with pytest.raises(RefreshFailed, match="report step failed: the reports folder") as failed:
        with refresh_run(paths, tmp_path / "landing", LOG) as run:
            _steps_up_to_publish(run, paths)
            run.step("report", no_reports)
    row = read_run(paths.work, failed.value.run_id)
    assert (row["status"], row["failed_step"]) == ("failed", "report")
    assert "not writable" in row["message"]
    assert _published_status(paths, failed.value.run_id) == "published"
    log = (paths.directory / "logs" / f"refresh-{failed.value.run_id}.log").read_text()
    assert "The published warehouse was already replaced; only the reports are missing." in log


def test_a_failed_validation_is_recorded_and_stops_the_run(tmp_path):
    paths = _warehouse(tmp_path)

    def failing():
        return ValidationResult(success=False, data_docs=tmp_path / "index.html", suites=[
            SuiteResult("marts", 2, failed=["numerator > denominator"])])

    with pytest.raises(RefreshFailed, match="validate step failed") as failed:
        with refresh_run(paths, tmp_path / "landing", LOG) as run:
            run.step("validate", failing)
            run.step("publish", lambda: publish_warehouse(paths, run_id=run.run_id))
    assert isinstance(failed.value.__cause__, ValidationFailed)
    assert "numerator > denominator" in str(failed.value)
    row = read_run(paths.work, failed.value.run_id)
    assert (row["status"], row["failed_step"]) == ("failed", "validate")
    assert row["validation_failures"] == "marts: numerator > denominator"
    assert row["validation_result"].startswith("FAILED")
    assert not paths.published.exists()


def test_stale_data_is_a_warning_logged_and_recorded_and_the_run_goes_on(tmp_path):
    paths = _warehouse(tmp_path)
    stale = FreshnessResult(Staleness(date(2014, 4, 14), date(2014, 4, 17), 2), "warn", 3.0)
    with refresh_run(paths, tmp_path / "landing", LOG) as run:
        _steps_up_to_publish(run, paths, freshness=stale)
        run.step("docs", lambda: DocsSite(paths.docs_index, 1, [], 9))
        run.step("report", lambda: [])
    row = read_run(paths.work, run.run_id)
    assert row["status"] == "succeeded"
    assert (row["extract_age_days"], row["stale"], row["freshness_status"]) == (3, True, "warn")
    words = "figures as at 2014-04-14 (3 days old)"
    assert words in row["warnings"] and "more than 2 days" in row["warnings"]
    log = (paths.directory / "logs" / f"refresh-{run.run_id}.log").read_text()
    assert "WARNING csc.test_recorder: Freshness warning: stale data" in log and words in log
    with duckdb.connect(str(paths.published), read_only=True) as con:  # published too
        assert con.execute("select stale, extract_age_days, freshness_status "
                           "from meta.refresh_runs").fetchone() == (True, 3, "warn")


def test_dbt_disagreeing_with_the_count_of_days_is_a_warning_too(tmp_path):
    paths = _warehouse(tmp_path)
    odd = FreshnessResult(Staleness(date(2014, 4, 14), date(2014, 4, 15), 2), "warn", 1.0)
    with refresh_run(paths, tmp_path / "landing", LOG) as run:
        run.step("freshness", lambda: odd)
    warnings = read_run(paths.work, run.run_id)["warnings"]
    assert warnings == ("dbt source freshness on meta.loaded_drops says 'warn' where the "
                        "newest extract's age says 'pass'")
