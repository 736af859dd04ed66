"""The published file carries the dbt descriptions as table and column comments, and DuckDB
1.1.3 (what older BI drivers bundle, the duckdb_1_1_python fixture) reads them."""

import json
import subprocess

import duckdb

from csc.config import warehouse_paths
from csc.publish import publish, publish_warehouse
from csc.runlog import start_run
from csc.workdb import prepare_work_db


def _work_db(paths):
    with duckdb.connect(str(paths.work)) as con:
        for schema in ("marts", "meta"):
            con.execute(f"create schema if not exists {schema}")
        con.execute("create table marts.measure_values as select '808' as la_code, "
                    "'contacts' as measure_id, 5 as value")
        con.execute("create view marts.a_view as select la_code from marts.measure_values")

def test_published_tables_and_columns_carry_the_dbt_descriptions_for_duckdb_1_1(
        tmp_path, duckdb_1_1_python):
    """COMMENT ON from the dbt descriptions, readable by DuckDB 1.1.3 (what older BI drivers
    bundle) in the v1.0.0 storage the file is written with."""
    from csc.publish import META_DESCRIPTIONS, dbt_descriptions

    paths = warehouse_paths(tmp_path / "csc.duckdb")
    prepare_work_db(paths.work, parts=["runs"])
    start_run(paths.work)
    _work_db(paths)
    publish(paths)
    script = (
        "import duckdb, json, sys\n"
        "con = duckdb.connect(sys.argv[1], read_only=True)\n"
        "tables = con.execute(\"select schema_name || '.' || table_name, comment "
        "from duckdb_tables()\").fetchall()\n"
        "columns = con.execute(\"select table_name || '.' || column_name, comment "
        "from duckdb_columns() where schema_name = 'marts'\").fetchall()\n"
        "print(json.dumps([duckdb.__version__, dict(tables), dict(columns)]))\n")
    out = subprocess.run([str(duckdb_1_1_python), "-c", script, str(paths.published)],
                         capture_output=True, text=True, check=True)
    version, tables, columns = json.loads(out.stdout)
    assert version == "1.1.3"
    description, column_descriptions = dbt_descriptions()["measure_values"]
    assert description.startswith("Every process-model measure")
    assert tables["marts.measure_values"] == description
    assert tables["meta.refresh_runs"] == META_DESCRIPTIONS["refresh_runs"]
    for column in ("la_code", "measure_id", "value"):
        assert columns[f"measure_values.{column}"] == column_descriptions[column]
    # a model the project does not describe (a_view) gets no comment, and nothing fails
    assert tables["marts.a_view"] is None
    # The next night publishes incrementally (a copy of this file, one table replaced):
    # DuckDB 1.1.3 still opens it, with the replaced table's figures and every comment.
    with duckdb.connect(str(paths.work)) as con:
        con.execute("update marts.measure_values set value = 6")
    assert publish_warehouse(paths).mode == "incremental"
    script += ("print(con.execute('select value from marts.measure_values')"
               ".fetchone()[0])\n")
    out = subprocess.run([str(duckdb_1_1_python), "-c", script, str(paths.published)],
                         capture_output=True, text=True, check=True)
    again, value = out.stdout.splitlines()
    assert json.loads(again)[1:] == [tables, columns] and value == "6"
