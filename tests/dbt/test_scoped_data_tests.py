"""Data tests that check only what a build changed, on a table that keeps its rows between
builds (macros/test_unique_combination.sql, `computed_periods_only`): the uniqueness
of measure_records_as_reported is checked on the periods whose as-reported computations
the build ran (int_computations_to_run), and a duplicate there fails it. Run with dbt on a
copy of the session's demo work database, its list of computations cut to one period as a
night's would be."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from csc.build import copy_manifest, dbt_invoke, parsed_manifest

SELECT = "measure_records_as_reported,test_name:unique_combination"


@pytest.fixture(scope="module")
def work_db(published_demo, tmp_path_factory):
    work = tmp_path_factory.mktemp("scoped-tests") / published_demo.work.name
    shutil.copyfile(published_demo.work, work)
    return work


def _unique_test_fails(work_db) -> bool:
    result = dbt_invoke(["test", "--select", SELECT], work_db,
                        manifest=copy_manifest(parsed_manifest(work_db)))
    assert result.exception is None, result.exception
    statuses = [str(r.status) for r in result.result]
    assert len(statuses) == 1, statuses
    return statuses == ["fail"]


def _duplicate_a_record_of(con, period: str) -> None:
    con.execute("delete from marts.measure_records_as_reported where record_id = 'DUPLICATE'")
    con.execute("""insert into marts.measure_records_as_reported
                   select * replace ('DUPLICATE' as record_id)
                   from marts.measure_records_as_reported
                   where reporting_period = ? limit 1""", [period])
    con.execute("""insert into marts.measure_records_as_reported
                   select * from marts.measure_records_as_reported
                   where record_id = 'DUPLICATE'""")


def test_the_uniqueness_of_the_kept_records_is_checked_where_the_build_computed(work_db):
    with duckdb.connect(str(work_db)) as con:
        computed, kept = (p for (p,) in con.execute(
            "select distinct reporting_period from marts.measure_records_as_reported "
            "order by 1 desc limit 2").fetchall())
        con.execute("create table intermediate.every_computation as "
                    "select * from intermediate.int_computations_to_run")
        # a night's list: the as-reported computation of one period only
        con.execute("delete from intermediate.int_computations_to_run "
                    "where is_as_reported and reporting_period <> ?", [computed])
    assert not _unique_test_fails(work_db)
    with duckdb.connect(str(work_db)) as con:
        _duplicate_a_record_of(con, computed)
    assert _unique_test_fails(work_db)
    # a duplicate in a period no computation of this build touched is not looked for ...
    with duckdb.connect(str(work_db)) as con:
        _duplicate_a_record_of(con, kept)
    assert not _unique_test_fails(work_db)
    # ... but a full refresh, which computes every period, finds it
    with duckdb.connect(str(work_db)) as con:
        con.execute("delete from intermediate.int_computations_to_run")
        con.execute("insert into intermediate.int_computations_to_run "
                    "select * from intermediate.every_computation")
    assert _unique_test_fails(work_db)
