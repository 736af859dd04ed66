"""Data tests that check only what a build changed, on the tables that keep their rows
between builds (macros/test_unique_combination.sql): the uniqueness of
measure_records_as_reported is checked on the periods whose as-reported computations the
build ran (`computed_periods_only`), that of measure_records on the children the build
computed again when it carried the others (`computed_records_only`), and a duplicate
there fails it. Run with dbt on a copy of the session's demo work database, its list of
computations, or of children computed again, cut as a night's would be."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from csc.build import copy_manifest, dbt_invoke, parsed_manifest

AS_REPORTED = "measure_records_as_reported,test_name:unique_combination"
LATEST = "measure_records,test_name:unique_combination"


@pytest.fixture
def work_db(published_demo, tmp_path):
    work = tmp_path / published_demo.work.name
    shutil.copyfile(published_demo.work, work)
    return work


def _unique_test_fails(work_db, select: str = AS_REPORTED) -> bool:
    result = dbt_invoke(["test", "--select", select], work_db,
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


def _duplicate_latest_record_of(con, la_code: str, person_id: str) -> None:
    """Add a second copy of one of the child's rows in marts.measure_records (found by its
    record in int_measure_records: the mart shows the child only by a pseudonymous id)."""
    ((added,),) = con.execute("""insert into marts.measure_records
        select mart.* from marts.measure_records as mart
        inner join (
            select measure_id, reporting_period, record_type, record_id
            from intermediate.int_measure_records
            where la_code = ? and person_id = ? and measure_id = 'contacts'
                and as_at = (select as_at from intermediate.int_latest_carry)
            order by reporting_period, record_id limit 1
        ) as record using (measure_id, reporting_period, record_type, record_id)
        where mart.la_code = ?""", [la_code, person_id, la_code]).fetchall()
    assert added == 1


def test_the_uniqueness_of_the_latest_records_is_checked_on_the_children_computed(work_db):
    with duckdb.connect(str(work_db)) as con:
        la_code, recomputed, carried = con.execute(
            """select la_code, min(person_id), max(person_id)
               from intermediate.int_measure_records where measure_id = 'contacts'
               group by la_code order by la_code limit 1""").fetchone()
        # a night's lists: records carried from the day before, one child computed again
        con.execute("update intermediate.int_latest_carry set carried_from = as_at - 1")
        con.execute("delete from intermediate.int_persons_recomputed")
        con.execute("insert into intermediate.int_persons_recomputed values (?, ?)",
                    [la_code, recomputed])
    assert not _unique_test_fails(work_db, LATEST)
    # a duplicate among the carried children's rows is not looked for ...
    with duckdb.connect(str(work_db)) as con:
        _duplicate_latest_record_of(con, la_code, carried)
    assert not _unique_test_fails(work_db, LATEST)
    # ... one among the rows computed again fails the test ...
    with duckdb.connect(str(work_db)) as con:
        _duplicate_latest_record_of(con, la_code, recomputed)
    assert _unique_test_fails(work_db, LATEST)
    # ... and a build that carried nothing looks at every row
    with duckdb.connect(str(work_db)) as con:
        con.execute("""delete from marts.measure_records where rowid = (
            select max(rowid) from marts.measure_records)""")
        con.execute("update intermediate.int_latest_carry set carried_from = null")
    assert _unique_test_fails(work_db, LATEST)
