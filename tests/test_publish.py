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
