"""The build skip: a refresh with nothing new (no drop, no linkage, no change to the dbt
project) keeps the marts of the last whole build instead of rebuilding them."""

from __future__ import annotations

import shutil

import duckdb

import csc.build
from csc.build import PROJECT_INPUTS, build_inputs, build_is_current, run_dbt_build
from csc.config import PROJECT_DIR
from csc.linkage import ensure_linkage_tables


def test_the_inputs_digest_follows_drops_linkage_project_and_key(tmp_path, monkeypatch):
    project = tmp_path / "project"
    for entry in PROJECT_INPUTS:
        source, target = PROJECT_DIR / entry, project / entry
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
    monkeypatch.setattr(csc.build, "dbt_project_dir", lambda: project)
    work = tmp_path / "work.duckdb"
    with duckdb.connect(str(work)) as con:
        ensure_linkage_tables(con)
        con.execute("create table meta.loaded_drops (extract_date date, load_id varchar)")
        con.execute("insert into meta.loaded_drops values ('2014-01-14', 'a1')")

    seen = [build_inputs(work)]
    assert build_inputs(work) == seen[0]  # nothing changed: the same digest

    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.loaded_drops values ('2014-04-14', 'b2')")
    seen.append(build_inputs(work))
    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.linkage_runs (linked_at) values (current_timestamp)")
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
