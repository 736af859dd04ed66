import duckdb

from csc.config import warehouse_paths
from csc.publish import publish


def _work_db(paths):
    with duckdb.connect(str(paths.work)) as con:
        for schema in ("raw", "staging", "marts", "meta"):
            con.execute(f"create schema {schema}")
        con.execute("create table raw.persons as select 'Ann' as forename")
        con.execute("create view staging.v as select 1 as x")
        con.execute("create table marts.measure_values as select 808 as la_code, 5 as value")
        con.execute("create view marts.a_view as select 1 as x")
        con.execute("create table meta.refresh_runs as select 'r1' as run_id")
        con.execute("create table meta.loaded_files as select 'x' as f")


def test_publish_copies_marts_tables_and_run_log_only(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    tables = publish(paths)
    assert tables == ["marts.measure_values", "meta.refresh_runs"]
    with duckdb.connect(str(paths.published), read_only=True) as con:
        found = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1").fetchall()
        assert [r[0] for r in found] == tables
        views = con.execute("select count(*) from duckdb_views() where not internal").fetchone()
        assert views[0] == 0
    assert not paths.staging_publish.exists()


def test_publish_replaces_the_previous_file(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    _work_db(paths)
    publish(paths)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("update marts.measure_values set value = 6")
    publish(paths)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        assert con.execute("select value from marts.measure_values").fetchone()[0] == 6
