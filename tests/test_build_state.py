"""The build skip: a refresh with nothing new (no drop, no new links, no change to the dbt
project) keeps the marts of the last whole build instead of rebuilding them; and the build
plan: incremental after later drops only, a full rebuild after anything else."""

from __future__ import annotations

import json
import shutil

import duckdb

import csc.build
from csc.build import (
    NIGHT_EXCLUDES,
    PROJECT_INPUTS,
    build_inputs,
    build_is_current,
    build_plan,
    read_build_inputs,
    run_dbt_build,
    set_build_state,
)
from csc.config import PROJECT_DIR
from csc.workdb import prepare_work_db


def _project_copy(tmp_path, monkeypatch):
    project = tmp_path / "project"
    for entry in PROJECT_INPUTS:
        source, target = PROJECT_DIR / entry, project / entry
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    monkeypatch.setattr(csc.build, "dbt_project_dir", lambda: project)
    return project


LOADED = "insert into meta.loaded_drops (extract_date, load_id) values %s"
FINDING = """insert into returns.validation_findings (la_code, collection_year, as_at,
             return_name, rule_code, rule_type, child_id) values
             ('808', '2023-24', '2014-01-14', 'ssda903', '103', 'error', 'P1')"""


def _work_with_one_drop(tmp_path):
    """A work database (its tables: csc.workdb) with one drop loaded."""
    work = prepare_work_db(tmp_path / "work.duckdb")
    with duckdb.connect(str(work)) as con:
        con.execute(LOADED % "('2014-01-14', 'a1')")
    return work


def test_the_inputs_digest_follows_drops_links_project_and_key(tmp_path, monkeypatch):
    project = _project_copy(tmp_path, monkeypatch)
    work = _work_with_one_drop(tmp_path)

    seen = [build_inputs(work)]
    assert build_inputs(work) == seen[0]  # nothing changed: the same digest

    with duckdb.connect(str(work)) as con:
        con.execute(LOADED % "('2014-04-14', 'b2')")
    seen.append(build_inputs(work))
    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.linkage_runs (linked_at) values (current_timestamp)")
    assert build_inputs(work) == seen[-1]  # a linkage run that changed no link
    with duckdb.connect(str(work)) as con:
        con.execute("""insert into linkage.caf_person_link_versions
                       values ('808', 'C1', 'P1', 1.0, 'raise_id', '2014-04-14', null)""")
    seen.append(build_inputs(work))
    with duckdb.connect(str(work)) as con:  # a statutory return checked (csc.returns)
        con.execute(FINDING)
    seen.append(build_inputs(work))
    model = project / "models" / "marts" / "measure_values.sql"
    model.write_text(model.read_text() + "\n-- a change\n")
    seen.append(build_inputs(work))
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", "another key")
    seen.append(build_inputs(work))
    assert len(set(seen)) == len(seen)


def test_a_partial_build_leaves_the_marts_not_current(first_drop_published, tmp_path):
    work = first_drop_published.copy_to(tmp_path / "night").work
    assert build_is_current(work)  # the flow's whole build recorded its inputs
    run_dbt_build(work, extra_args=["--select", "int_calendar"])
    assert not build_is_current(work)


def test_a_build_writes_its_run_results_and_no_manifest(first_drop_published, tmp_path,
                                                       monkeypatch):
    """The build leaves dbt's manifest.json unwritten (nothing reads it) but still writes
    run_results.json where dbt would, with each node's status and seconds."""
    work = first_drop_published.copy_to(tmp_path / "night").work
    target = tmp_path / "dbt-target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    run_dbt_build(work, extra_args=["--select", "int_calendar", *NIGHT_EXCLUDES])
    results = json.loads((target / "run_results.json").read_text())["results"]
    assert [(r["unique_id"], r["status"]) for r in results] == \
        [("model.csc.int_calendar", "success")]
    assert results[0]["execution_time"] > 0
    assert not (target / "manifest.json").exists()


def test_the_plan_is_incremental_only_after_later_drops(tmp_path, monkeypatch):
    project = _project_copy(tmp_path, monkeypatch)
    work = _work_with_one_drop(tmp_path)
    assert build_plan(work).kind == "full"  # no build recorded
    set_build_state(work, read_build_inputs(work))
    assert build_plan(work).kind == "current"

    def plan_after(statement: str) -> str:
        copy = tmp_path / f"copy-{len(list(tmp_path.iterdir()))}.duckdb"
        shutil.copyfile(work, copy)
        with duckdb.connect(str(copy)) as con:
            con.execute(statement)
        return build_plan(copy).kind

    assert plan_after(LOADED % "('2014-04-14', 'b2')") == "incremental"
    assert plan_after("""insert into linkage.caf_person_link_versions
                         values ('808', 'C1', 'P1', 1.0, 'raise_id', '2014-01-14', null)""") \
        == "incremental"  # links are dated history: the latest extract's are recomputed
    # return findings are read by marts.return_findings alone, a table rebuilt every build
    assert plan_after(FINDING) == "incremental"
    assert plan_after(LOADED % "('2013-10-14', 'c3')") == "full"
    assert plan_after("update meta.loaded_drops set load_id = 'a2'") == "full"
    # a build recorded before plans were (no basis): rebuilt in full once
    assert plan_after("update meta.build_state set basis = null; "
                      + LOADED % "('2014-04-14', 'b2')") == "full"
    model = project / "models" / "marts" / "measure_values.sql"
    model.write_text(model.read_text() + "\n-- a change\n")
    assert build_plan(work).kind == "full"
