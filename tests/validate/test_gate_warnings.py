"""Drift warnings never block publishing; a missing mart table does."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from csc.validate import validate_build
from csc.validate.gate import EXPECTATIONS_DIR


def _drift(work: Path) -> None:
    with duckdb.connect(str(work)) as con:
        # Children on a CP plan jump from 12 to 40 in the latest quarter ...
        con.execute("""update marts.measure_values set numerator = 40, value = 40
                       where la_code = '808' and measure_id = 'cp_at_period_end'
                       and reporting_period = '2013-14 Q4' and breakdown_by is null""")
        # ... a percentage moves 20 points (50.0% -> 70.0%, the denominator unchanged) ...
        con.execute("""update marts.measure_values set numerator = 252, value = 70.0
                       where la_code = '805' and measure_id = 'initial_assessments_10wd'
                       and reporting_period = '2013-14 Q4' and breakdown_by is null""")
        # (the headline table shows the same figures, as the models build it)
        con.execute("""update marts.measure_headlines set numerator = 40, value = 40
                       where la_code = '808' and measure_id = 'cp_at_period_end'
                       and reporting_period = '2013-14 Q4'""")
        con.execute("""update marts.measure_headlines set numerator = 252, value = 70.0
                       where la_code = '805' and measure_id = 'initial_assessments_10wd'
                       and reporting_period = '2013-14 Q4'""")
        # ... and the latest drop's contacts file has 40 rows where the previous had 100.
        con.execute("""update meta.loaded_files set rows_read = 40
                       where table_name = 'contacts' and extract_date = '2014-04-14'""")


def test_drift_is_a_warning_not_a_failure(work_copy: Path) -> None:
    _drift(work_copy)
    result = validate_build(work_copy, work_copy.parent, strict=True)
    assert result.success, result.failures
    assert result.failures == []
    warnings = "\n".join(result.warnings)
    assert "measure_moved_beyond_tolerance" in warnings
    assert "measure_id=cp_at_period_end" in warnings and "la_code=808" in warnings
    assert "measure_id=initial_assessments_10wd" in warnings
    assert "source_rows_jumped" in warnings and "table_name=contacts" in warnings
    assert "warning" in result.summary()


def test_a_warning_on_unchanged_tables_is_carried_with_what_it_found(work_copy: Path
                                                                       ) -> None:
    """A warning rule's query is a function of the tables it reads: on the same tables it
    warns again with the same rows. So it is carried like a passed check (no query, no GX
    run when nothing else moved) and its warning is reported again, whole; once a table
    it reads changes, it runs again."""
    _drift(work_copy)
    first = validate_build(work_copy, work_copy.parent, strict=True)
    assert first.success and first.carried == {}
    again = validate_build(work_copy, work_copy.parent, strict=True)
    assert again.success and again.summary() == first.summary()
    assert again.warnings == first.warnings
    drift = {s.suite: s for s in again.suites}["drift"]
    assert drift.examples == {s.suite: s for s in first.suites}["drift"].examples
    for rule in ("measure_moved_beyond_tolerance", "source_rows_jumped"):
        assert again.carried[f"drift/{rule}"].startswith("warned on ")
    assert all(why.startswith("passed on ") for key, why in again.carried.items()
               if not key.startswith("drift/"))
    assert again.data_docs == first.data_docs  # nothing ran: the last run's Data Docs

    # The contacts file's rows back to what they were: that rule runs, and is quiet.
    with duckdb.connect(str(work_copy)) as con:
        con.execute("""update meta.loaded_files set rows_read = 100
                       where table_name = 'contacts' and extract_date = '2014-04-14'""")
    third = validate_build(work_copy, work_copy.parent, strict=True)
    assert third.success and "drift/source_rows_jumped" not in third.carried
    warnings = "\n".join(third.warnings)
    assert "source_rows_jumped" not in warnings
    assert "measure_id=cp_at_period_end" in warnings
    assert third.carried["drift/measure_moved_beyond_tolerance"].startswith("warned on ")


def _marts_suite_only(folder: Path) -> Path:
    folder.mkdir()
    shutil.copy(EXPECTATIONS_DIR / "suites" / "marts_integrity.yml", folder)
    return folder


def test_missing_table1_fails(
        work_copy: Path, tmp_path: Path) -> None:
    suites = _marts_suite_only(tmp_path / "suites")
    with duckdb.connect(str(work_copy)) as con:
        con.execute("drop table marts.contact_outcomes_by_source")

    strict = validate_build(work_copy, tmp_path, suites_dir=suites, strict=True)
    assert not strict.success
    missing = [f for f in strict.failures if "contact_outcomes_by_source" in f]
    assert any("table1_total_is_contacts" in f for f in missing)
    assert any("query failed" in f for f in missing)

    # Every measure and Table 1 are built, so no relaxation file is kept: the gate as the
    # refresh runs it (strict=False reads expectations/transitional.yml if present) fails too.
    assert not (EXPECTATIONS_DIR / "transitional.yml").exists()
    default = validate_build(work_copy, tmp_path, suites_dir=suites, strict=False)
    assert not default.success
