"""Publish: what goes into the published file, the guards against direct identifiers, and
the atomic swap (a publish killed at any point leaves the published file as it was)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR, warehouse_paths
from csc.publish import PublishRefused, publish, publish_warehouse
from csc.runlog import start_run
from csc.workdb import prepare_work_db

FAULTS_SCRIPT = Path(__file__).parent / "nightly" / "faults.py"


def _work_db(paths):
    with duckdb.connect(str(paths.work)) as con:
        for schema in ("raw", "staging", "marts", "meta"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table raw.persons as select 'Ann' as forename")
        con.execute("create view staging.v as select 1 as x")
        con.execute("create table marts.measure_values as select '808' as la_code, "
                    "'contacts' as measure_id, 5 as value")
        con.execute("create view marts.a_view as select la_code, value + 1 as value "
                    "from marts.measure_values")
        con.execute("create table meta.loaded_files as select 'x' as f")


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_publish_copies_marts_and_run_log_only_and_materialises_views(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    prepare_work_db(paths.work, parts=["runs"])  # the run log alone
    run_id = start_run(paths.work, landing=tmp_path / "landing")
    _work_db(paths)
    tables = publish(paths)
    assert tables == ["marts.a_view", "marts.measure_values", "meta.refresh_runs"]
    with duckdb.connect(str(paths.published), read_only=True) as con:
        found = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1").fetchall()
        assert [r[0] for r in found] == tables
        assert con.execute("select count(*) from duckdb_views() where not internal"
                           ).fetchone()[0] == 0
        assert con.execute("select value from marts.a_view").fetchone()[0] == 6
        # The published run log keeps counts and outcomes, not messages or server paths.
        columns = {r[0] for r in con.execute(
            "select column_name from duckdb_columns() where table_name = 'refresh_runs'"
        ).fetchall()}
        assert "run_id" in columns and "message" not in columns and "landing" not in columns
        assert con.execute("select run_id from meta.refresh_runs").fetchall() == [(run_id,)]
    assert not paths.staging_publish.exists()


def test_publish_marks_its_run_published_in_the_published_run_log(tmp_path):
    # `published`, not `succeeded`: the run's reports come after its publication.
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    prepare_work_db(paths.work, parts=["runs"])
    run_id = start_run(paths.work)
    _work_db(paths)
    result = publish_warehouse(paths, run_id=run_id,
                               run_fields={"step_seconds": {"load": 1.5}, "message": "x"})
    assert (result.measures, result.measure_rows) == (1, 1)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        status, seconds, measures, finished = con.execute(
            "select status, step_seconds, measures_published, finished_at "
            "from meta.refresh_runs").fetchone()
    assert (status, json.loads(seconds), measures) == ("published", {"load": 1.5}, 1)
    assert finished is not None
    with duckdb.connect(str(paths.work), read_only=True) as con:  # the work row is the flow's
        assert con.execute("select status from meta.refresh_runs").fetchone()[0] == "running"


def test_publish_replaces_the_previous_file(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("update marts.measure_values set value = 6")
    publish(paths)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        assert con.execute("select value from marts.measure_values").fetchone()[0] == 6


@pytest.mark.parametrize("sql, named", [
    ("create table marts.dim_children as select 'P1' as person_id, 'TS18 1AB' as postcode",
     "marts.dim_children.postcode: a direct-identifier column"),
    ("create table marts.fct_contacts as select 'C1' as contact_id, 'ts18 1ab' as area",
     "marts.fct_contacts.area: a value shaped like a full postcode"),
    ("create table marts.fct_pupils as select 'A12345678901B' as pupil_ref",
     "marts.fct_pupils.pupil_ref: a value shaped like a UPN"),
    # contract v2's postcodes are direct identifiers too (pii in csc/contract.yml), by name
    # and by shape, whatever column holds them
    ("create table marts.fct_care_episodes as select 'E1' as episode_id, "
     "null as placement_postcode", "marts.fct_care_episodes.placement_postcode: a direct"),
    ("create table marts.fct_care_episodes as select 'E1' as episode_id, "
     "null as home_postcode", "marts.fct_care_episodes.home_postcode: a direct"),
    ("create table marts.fct_care_episodes as select 'E1' as episode_id, 'TS19 7AB' as pl",
     "marts.fct_care_episodes.pl: a value shaped like a full postcode"),
    # a generated UPN (check letter, LA code, year, serial) is caught by its shape
    ("create table marts.fct_pupils as select 'R808000000001' as pupil_ref",
     "marts.fct_pupils.pupil_ref: a value shaped like a UPN"),
])
def test_publish_refuses_direct_identifiers_and_keeps_the_old_file(tmp_path, sql, named):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    before = _sha(paths.published)
    with duckdb.connect(str(paths.work)) as con:
        con.execute(sql)
    with pytest.raises(PublishRefused) as refused:
        publish(paths)
    assert named in str(refused.value)
    assert _sha(paths.published) == before
    assert not paths.staging_publish.exists()


def test_a_district_or_sector_is_not_mistaken_for_a_full_postcode(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table marts.dim_areas as select * from "
                    "(values ('TS18'), ('TS18 1'), ('2013-14 Q4'), ('S47')) t(area)")
    assert "marts.dim_areas" in publish(paths)


PUBLISH_SCRIPT = """
import sys
from csc.config import warehouse_paths
from csc.publish import publish
publish(warehouse_paths(sys.argv[1]))
"""


@pytest.mark.parametrize("point", ["publish", "mid-publish", "before-rename"])
def test_publish_killed_at_any_point_leaves_the_published_file_unchanged(tmp_path, point):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    before = _sha(paths.published)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("update marts.measure_values set value = 7")
    env = {**os.environ, "CSC_FAULT_KILL_AT": point, "CSC_PROJECT_DIR": str(PROJECT_DIR)}
    killed = subprocess.run([sys.executable, str(FAULTS_SCRIPT), "-c", PUBLISH_SCRIPT,
                             str(paths.published)],
                            env=env, capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert _sha(paths.published) == before
    if point != "publish":
        assert paths.staging_publish.exists()  # the half-written file the kill left behind
    publish(paths)  # the next publish clears it and goes through
    assert not paths.staging_publish.exists()
    with duckdb.connect(str(paths.published), read_only=True) as con:
        assert con.execute("select value from marts.measure_values").fetchone()[0] == 7


# --- Incremental publication: only what changed, the same file as a full publication -----

def _published_content(path: Path) -> dict:
    """Every table's rows (sorted), every table's and column's comment, of a published
    file: what a reader sees, file layout aside."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = con.execute("select schema_name, table_name, comment from duckdb_tables() "
                             "order by 1, 2").fetchall()
        content = {}
        for schema, table, comment in tables:
            columns = con.execute(
                "select column_name, data_type, comment from duckdb_columns() "
                "where schema_name = ? and table_name = ? order by column_index",
                [schema, table]).fetchall()
            skip = {"finished_at"} if table == "refresh_runs" else set()
            names = ", ".join(f'"{c}"' for c, _, _ in columns if c not in skip)
            rows = con.execute(f'select {names} from {schema}."{table}"').fetchall()
            content[f"{schema}.{table}"] = (comment, columns,
                                            sorted(rows, key=lambda r: repr(r)))
    return content


def _same_as_full(paths, tmp_path, run_id=None) -> None:
    """The published file equals a full publication of the same work database."""
    full = warehouse_paths(tmp_path / "full" / "csc.duckdb")
    full.directory.mkdir(exist_ok=True)
    full.work.unlink(missing_ok=True)
    full.work.symlink_to(paths.work)
    result = publish_warehouse(full, run_id=run_id, incremental=False)
    assert result.mode.startswith("full")
    assert _published_content(paths.published) == _published_content(full.published)


def test_an_incremental_publication_writes_only_the_changed_tables(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    prepare_work_db(paths.work, parts=["runs"])
    first_run = start_run(paths.work)
    _work_db(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table marts.measure_catalogue as select 'contacts' as measure_id, "
                    "'Contacts' as title")
    first = publish_warehouse(paths, run_id=first_run)
    assert first.mode == "full (nothing published yet)"
    second_run = start_run(paths.work)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("insert into marts.measure_values values ('808', 'referrals', 3)")
    second = publish_warehouse(paths, run_id=second_run)
    assert second.mode == "incremental"
    # the changed table, the view over it, and the run log; the catalogue is kept as it was
    assert second.replaced == ["marts.a_view", "marts.measure_values", "meta.refresh_runs"]
    assert second.rows["marts.measure_catalogue"] == 1
    assert (second.measures, second.measure_rows) == (2, 2)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        runs = dict(con.execute("select run_id, status from meta.refresh_runs").fetchall())
        assert runs == {first_run: "running", second_run: "published"}
        assert con.execute("select measure_rows, published_rows from meta.refresh_runs "
                           "where run_id = ?", [second_run]).fetchone() == (2, 7)
    assert second.total_rows == 7
    _same_as_full(paths, tmp_path, run_id=second_run)
    # nothing changed: only the run log is written
    assert publish_warehouse(paths).replaced == ["meta.refresh_runs"]
    _same_as_full(paths, tmp_path)


def test_a_changed_shape_or_a_new_table_takes_the_full_path(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("alter table marts.measure_values add column unit varchar")
    result = publish_warehouse(paths)
    assert result.mode == "full (the columns of marts.measure_values changed)"
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table marts.dim_teams as select 'FCT' as team_id")
    result = publish_warehouse(paths)
    assert result.mode.startswith("full (tables changed: added ['marts.dim_teams']")
    _same_as_full(paths, tmp_path)


def test_a_changed_description_alone_replaces_the_table(tmp_path, monkeypatch):
    # The comments come from the dbt descriptions: a new description is a change.
    import csc.publish as publish_module

    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    descriptions = publish_module.dbt_descriptions()
    changed = {**descriptions, "measure_values": ("A new description.", {})}
    monkeypatch.setattr(publish_module, "dbt_descriptions", lambda: changed)
    assert publish_warehouse(paths).replaced == ["marts.measure_values"]
    with duckdb.connect(str(paths.published), read_only=True) as con:
        assert con.execute("select comment from duckdb_tables() where table_name = "
                           "'measure_values'").fetchone()[0] == "A new description."


@pytest.mark.parametrize("tonight", [
    "insert into marts.dim_areas values ('TS18 1AB', 3)",   # a new row
    "update marts.dim_areas set area = 'TS19 9ZZ' where n = 2",  # a row changed in place
])
def test_the_identifier_scan_covers_a_replaced_table(tmp_path, tonight):
    # A value shaped like a postcode in a table that changed tonight is refused. Only the
    # rows the last publication did not hold are scanned: a new row, or a row changed in
    # place (the same row count), is one of them.
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table marts.dim_areas as select * from (values ('TS18', 1), "
                    "('TS19', 2)) as t(area, n)")
    publish(paths)
    before = _sha(paths.published)
    with duckdb.connect(str(paths.work)) as con:
        con.execute(tonight)
    with pytest.raises(PublishRefused, match="marts.dim_areas.area: a value shaped like a "
                                             "full postcode"):
        publish(paths)
    assert _sha(paths.published) == before and not paths.staging_publish.exists()


def test_an_incremental_publication_of_the_demo_equals_a_full_one(published_demo, tmp_path):
    # The demo's work database with one mart changed (a period's figures dropped), published
    # on a copy of its last publication, is the full publication of it, table for table.
    paths = warehouse_paths(published_demo.copy_to(tmp_path / "demo").published)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("delete from marts.measure_values where reporting_period = "
                    "(select max(reporting_period) from marts.measure_values)")
    result = publish_warehouse(paths)
    assert result.mode == "incremental"
    assert "marts.measure_values" in result.replaced
    assert "marts.measure_values_as_reported" not in result.replaced
    assert len(result.replaced) < len(result.rows) / 2
    _same_as_full(paths, tmp_path)


def test_a_night_of_the_demo_patches_its_records_and_equals_a_full_publication(
        published_demo, tmp_path, monkeypatch):
    # The demo's child-level list as a night leaves it: every row moved to the next
    # extract, a few children's records gone or changed. Patched in place (from 1,000 rows
    # here: the demo is small), the file is the full publication of it.
    import csc.publish as publish_module

    monkeypatch.setattr(publish_module, "PATCH_MIN_ROWS", 1000)
    paths = warehouse_paths(published_demo.copy_to(tmp_path / "demo").published)
    _night(paths, "update marts.measure_records set as_at = as_at + 1;"
                  "delete from marts.measure_records where hash(child_id) % 50 = 0;"
                  "update marts.measure_records set in_numerator = not in_numerator "
                  "where hash(child_id) % 50 = 1")
    result = publish_warehouse(paths)
    assert result.mode == "incremental"
    assert "marts.measure_records" in result.patched
    _same_as_full(paths, tmp_path)


def test_an_incremental_publication_does_not_grow_the_file(tmp_path):
    # The replaced tables' blocks are reused; a file that is mostly free space is rewritten.
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create table marts.measure_records as select range as record_id, "
                    "'808' as la_code, 'r' || range as note from range(300000)")
    publish(paths)
    first = paths.published.stat().st_size
    for night in range(3):
        with duckdb.connect(str(paths.work)) as con:
            con.execute(f"update marts.measure_records set note = note || '{night}'")
        assert publish_warehouse(paths).mode == "incremental"
    assert paths.published.stat().st_size < 1.5 * first


# --- Patched in place: a big table with few new rows ------------------------------------

def _records_db(paths, rows: int = 2000) -> None:
    """A work database with a child-level list like measure_records: every row carries the
    extract date (as_at), which moves every night."""
    _work_db(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute(f"create table marts.measure_records as select range as record_id, "
                    f"'808' as la_code, 'c' || (range % 500) as child_id, "
                    f"date '2014-04-14' as as_at, range % 7 = 0 as in_numerator "
                    f"from range({rows})")


def _night(paths, sql: str) -> None:
    with duckdb.connect(str(paths.work)) as con:
        for statement in sql.split(";"):
            con.execute(statement)


@pytest.fixture
def patch_small_tables(monkeypatch):
    """Patch tables from 100 rows up (the threshold is for the national marts' sizes)."""
    import csc.publish as publish_module

    monkeypatch.setattr(publish_module, "PATCH_MIN_ROWS", 100)


def test_a_big_table_with_few_new_rows_is_patched_in_place(tmp_path, patch_small_tables):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _records_db(paths)
    publish(paths)
    size = paths.published.stat().st_size
    for night in range(1, 6):
        # a night: the extract date moves on every row; some children's records go, some
        # change, some are new
        _night(paths, f"update marts.measure_records set as_at = as_at + {night};"
                      f"delete from marts.measure_records where record_id % 97 = {night};"
                      f"update marts.measure_records set in_numerator = not in_numerator "
                      f"where record_id % 89 = {night};"
                      f"insert into marts.measure_records select 10000 * {night} + range, "
                      f"'808', 'c' || range, (select max(as_at) from marts.measure_records), "
                      f"true from range(20)")
        result = publish_warehouse(paths)
        assert result.mode == "incremental"
        assert result.patched == ["marts.measure_records"]
        _same_as_full(paths, tmp_path)
    assert paths.published.stat().st_size < 1.5 * size


@pytest.mark.parametrize("tonight", [
    # a row the last publication held once is there twice: the patch cannot tell
    "insert into marts.measure_records select * from marts.measure_records "
    "where record_id = 5",
    # most rows changed: writing the table anew is cheaper
    "update marts.measure_records set in_numerator = not in_numerator",
])
def test_a_table_a_patch_cannot_make_or_would_not_pay_for_is_written_anew(
        tmp_path, patch_small_tables, tonight):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _records_db(paths)
    publish(paths)
    _night(paths, tonight)
    result = publish_warehouse(paths)
    assert result.mode == "incremental"
    assert "marts.measure_records" in result.replaced and result.patched == []
    _same_as_full(paths, tmp_path)


@pytest.mark.parametrize("tonight", [
    # a new row
    "insert into marts.measure_records values (99999, '808', 'TS18 1AB', date '2014-04-14', "
    "true)",
    # the value every row is set to
    "update marts.measure_records set la_code = 'TS18 1AB'",
])
def test_the_identifier_scan_covers_a_patched_table(tmp_path, patch_small_tables, tonight):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _records_db(paths)
    publish(paths)
    before = _sha(paths.published)
    _night(paths, tonight)
    with pytest.raises(PublishRefused, match="marts.measure_records.(child_id|la_code): a "
                                             "value shaped like a full postcode"):
        publish(paths)
    assert _sha(paths.published) == before and not paths.staging_publish.exists()
