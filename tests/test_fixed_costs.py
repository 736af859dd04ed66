"""The fixed costs of a refresh (docs/performance.md, "Fixed costs"): one dbt parse shared
by the steps of a refresh and by the refreshes of a process, and the temporary Prefect
server `csc refresh` starts while it imports."""

from __future__ import annotations

import os
import urllib.request
from datetime import date
from pathlib import Path

import duckdb
import pytest

import csc.build
from csc.build import (
    copy_manifest,
    dbt_invoke,
    fixed_nodes,
    kept_fixed_nodes,
    parse_in_background,
    parsed_manifest,
)
from csc.freshness import FRESHNESS_SOURCE, dbt_source_freshness
from csc.prefect_server import server_configured, start_temporary_server
from csc.workdb import prepare_work_db


def _work_db(folder: Path) -> Path:
    work = prepare_work_db(folder / "csc.work.duckdb", parts=("load", "runs"))
    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.loaded_drops (extract_date, load_id) "
                    "values ('2014-04-14', 'a')")
    return work


def test_one_parse_serves_every_work_file_of_the_same_project(tmp_path, monkeypatch):
    """Two warehouses in two folders share one parse (dbt's partial parsing would parse
    each from nothing: the work file's path is in the profile it hashes); another
    staleness threshold, which the source freshness config reads, is another parse."""
    monkeypatch.delenv("CSC_STALE_AFTER_DAYS", raising=False)
    first, second = _work_db(tmp_path / "a"), _work_db(tmp_path / "b")
    manifest = parsed_manifest(first)
    assert parsed_manifest(second) is manifest
    source = manifest.sources[f"source.csc.{FRESHNESS_SOURCE.split(':')[1]}"]
    assert source.freshness.warn_after.count == 2

    other = parsed_manifest(second, stale_days=7)
    assert other is not manifest
    assert other.sources[source.unique_id].freshness.warn_after.count == 7
    # The shared parse answers dbt in either folder: freshness on the second work file.
    outcome = dbt_invoke(["source", "freshness", "--select", FRESHNESS_SOURCE], second,
                         env={"CSC_FRESHNESS_DATE": "2014-04-20",
                              "CSC_STALE_AFTER_DAYS": "7"}, manifest=other)
    assert [str(getattr(r.status, "value", r.status)) for r in outcome.result] == ["pass"]


def test_a_parse_started_in_the_background_is_the_one_the_steps_use(tmp_path, monkeypatch):
    """`csc refresh` starts the parse in a thread while Prefect's server comes up: a step
    that asks for the manifest meanwhile waits for that parse rather than starting one."""
    monkeypatch.setenv("CSC_STALE_AFTER_DAYS", "13")  # a threshold no other test parses with
    work = _work_db(tmp_path)
    parses = []
    parse = csc.build._parse
    monkeypatch.setattr(csc.build, "_parse", lambda *args: parses.append(args) or parse(*args))
    thread = parse_in_background(work)
    manifest = parsed_manifest(work)
    thread.join()
    assert len(parses) == 1
    assert parsed_manifest(work) is manifest
    assert manifest.sources[f"source.csc.{FRESHNESS_SOURCE.split(':')[1]}"
                            ].freshness.warn_after.count == 13


def test_a_build_compiles_a_copy_never_the_shared_parse(tmp_path):
    """What the build compiles (with the pseudonym key rendered) stays in its copy: the
    shared manifest, which the docs site publishes, holds every model as written."""
    work = _work_db(tmp_path)
    manifest = parsed_manifest(work)
    copied = copy_manifest(manifest)
    assert copied is not manifest and copied.nodes.keys() == manifest.nodes.keys()
    outcome = dbt_invoke(["compile", "--select", "stg_meta__extracts"], work,
                         manifest=copied)
    assert outcome.success, outcome.exception
    node = "model.csc.stg_meta__extracts"
    assert copied.nodes[node].compiled_code
    assert not manifest.nodes[node].compiled_code


# The project's seeds, and the models made of seeds alone: what an incremental build keeps.
FIXED = {"bank_holidays_england_wales", "english_local_authorities", "forename_nicknames",
         "process_model_measures", "published_appendix2", "published_table1",
         "int_calendar", "dim_dates", "measure_catalogue"}


def test_the_nodes_a_night_keeps_read_only_the_projects_seeds(tmp_path):
    """fixed_nodes: the seeds and the models built from seeds alone; never a model with a
    source among its ancestors, nor one whose SQL or macros read the clock or the
    environment (nor, then, the models built on it)."""
    manifest = copy_manifest(parsed_manifest(_work_db(tmp_path)))
    assert set(fixed_nodes(manifest)) == FIXED
    # a model reading the clock, directly or through a macro, is not kept; nor what
    # is built on it
    calendar = manifest.nodes["model.csc.int_calendar"]
    written = calendar.raw_code
    calendar.raw_code += "\nwhere '{{ run_started_at }}' is not null"
    assert set(fixed_nodes(manifest)) == FIXED - {"int_calendar", "dim_dates"}
    calendar.raw_code = written + "\n-- {{ run_started_at }}: a comment counts for nothing"
    assert set(fixed_nodes(manifest)) == FIXED
    macro = manifest.macros["macro.csc.financial_year"]
    macro.macro_sql = macro.macro_sql.replace("{{ date_expr }}", "current_date", 1)
    assert set(fixed_nodes(manifest)) == FIXED - {"int_calendar", "dim_dates"}


def test_a_night_keeps_the_fixed_nodes_only_when_their_tables_are_there(tmp_path):
    """kept_fixed_nodes: all the fixed nodes, or none if one of their tables is missing
    from the work database (a build made before a node was added, say)."""
    work = _work_db(tmp_path)
    manifest = parsed_manifest(work)
    assert kept_fixed_nodes(manifest, work) == []  # nothing built yet
    with duckdb.connect(str(work)) as con:
        for node in manifest.nodes.values():
            if node.name in FIXED:
                con.execute(f"create schema if not exists {node.schema}")
                con.execute(f'create table {node.schema}."{node.alias}" (x int)')
    assert set(kept_fixed_nodes(manifest, work)) == FIXED
    with duckdb.connect(str(work)) as con:
        con.execute("drop table marts.dim_dates")
    assert kept_fixed_nodes(manifest, work) == []


def test_the_freshness_check_writes_no_dbt_artifacts(tmp_path, monkeypatch):
    """The refresh reads `dbt source freshness`'s result in-process: no manifest.json or
    sources.json is written for it (nothing reads them)."""
    target = tmp_path / "dbt-target"
    monkeypatch.setenv("DBT_TARGET_PATH", str(target))
    work = _work_db(tmp_path)
    status, age = dbt_source_freshness(work, date(2014, 4, 20), 2)
    assert (status, age) == ("warn", 6.0)  # the drop of 2014-04-14, six days old
    assert not (target / "manifest.json").exists()
    assert not (target / "sources.json").exists()


@pytest.mark.parametrize("level", [None, "debug"])
def test_dbt_log_keeps_results_and_drops_the_debug_lines(tmp_path, monkeypatch, level):
    """dbt.log is written at "info" (csc.build.DBT_LOG_LEVEL_FILE): what ran and how it
    ended, not every query's SQL, whose formatting and writing held the interpreter for a
    share of every build. DBT_LOG_LEVEL_FILE set by the operator wins."""
    if level is None:
        monkeypatch.delenv("DBT_LOG_LEVEL_FILE", raising=False)
    else:
        monkeypatch.setenv("DBT_LOG_LEVEL_FILE", level)
    work = _work_db(tmp_path)
    logs = tmp_path / "dbt-logs"
    outcome = dbt_invoke(["source", "freshness", "--select", FRESHNESS_SOURCE], work,
                         env={"CSC_FRESHNESS_DATE": "2014-04-20", "DBT_LOG_PATH": str(logs)},
                         manifest=parsed_manifest(work))
    assert outcome.success, outcome.exception
    log = (logs / "dbt.log").read_text()
    assert "[info ]" in log and "Running with dbt=" in log
    assert "loaded_drops" in log  # the freshness check on meta.loaded_drops, and its result
    debug_lines = [line for line in log.splitlines() if "[debug]" in line]
    if level is None:
        assert not debug_lines
    else:
        assert any("select" in line.lower() for line in debug_lines)  # the query's SQL


def test_the_temporary_prefect_server_answers_and_stops(monkeypatch, tmp_path):
    """With no server configured, `csc refresh` starts Prefect's temporary server itself
    (before its imports) and points PREFECT_API_URL at it; with one configured, in the
    environment or in the active Prefect profile, it starts nothing."""
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "prefect-home"))
    assert not server_configured()
    server = start_temporary_server()
    assert server is not None
    try:
        assert os.environ["PREFECT_API_URL"] == server.api_url
        server.wait_ready(timeout=180)
        with urllib.request.urlopen(f"{server.api_url}/health", timeout=5) as response:
            assert response.status == 200
        assert start_temporary_server() is None  # configured now: nothing more started
    finally:
        server.stop()
    assert server.process.poll() is not None

    monkeypatch.delenv("PREFECT_API_URL")
    home = tmp_path / "prefect-home"
    home.mkdir(exist_ok=True)
    (home / "profiles.toml").write_text(
        'active = "work"\n[profiles.work]\nPREFECT_API_URL = "http://127.0.0.1:4200/api"\n',
        encoding="utf-8")
    assert server_configured() and start_temporary_server() is None
    assert "PREFECT_API_URL" not in os.environ


def test_a_server_that_exits_is_reported():
    """A temporary server that exits before answering fails the wait with its exit code
    (`csc refresh` then fails before the refresh runs, the warehouse untouched)."""
    import subprocess
    import sys

    from csc.prefect_server import TemporaryServer

    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    process.wait()
    with pytest.raises(RuntimeError, match="exited with code 3"):
        TemporaryServer(process, "http://127.0.0.1:9/api").wait_ready(timeout=5)
