"""Run `dbt build` (seed, run, test) on the work database, in process.

`run_dbt_build` can report each finished dbt node to a callback (the refresh shows
progress with it) and holds the `build` fault point of the failure tests: with
`CSC_FAULT_KILL_AT=build` the process kills itself after `CSC_FAULT_BUILD_NODES` (default 5)
nodes have finished, i.e. with the work database half rebuilt.

After a whole build succeeds, `meta.build_state` holds the digest of its inputs
(`build_inputs`); it is cleared when a build starts. A refresh whose inputs digest equals
it (no new drop, no new linkage, no change to the dbt project) skips the build: the marts
there are exactly what it would make.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csc.config import dbt_profiles_dir, dbt_project_dir, set_offline_env
from csc.linkage import ensure_linkage_tables
from csc.runlog import fault_point, fault_requested

FAULT_BUILD_NODES_ENV = "CSC_FAULT_BUILD_NODES"
# What dbt reads from the project: a change to any of these files rebuilds.
PROJECT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml",
                  "profiles/profiles.yml")
PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}
BUILD_STATE_DDL = [
    "create schema if not exists meta",
    "create table if not exists meta.build_state (inputs varchar, built_at timestamp)",
]


class BuildFailed(Exception):
    """dbt build finished with errors or failing tests."""


@dataclass
class BuildResult:
    nodes: int
    failures: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return not self.failures


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def dbt_invoke(args: list[str], work_db: Path, callbacks: list[Callable] | None = None):
    """Invoke dbt with the project's profile pointed at `work_db`; return dbt's result.
    `callbacks` receive every dbt event (dbtRunner's callback interface)."""
    set_offline_env()
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    with _environment(CSC_BUILD_DB=str(work_db)):
        try:
            return dbtRunner(callbacks=callbacks or []).invoke(
                [*args, "--project-dir", str(dbt_project_dir()),
                 "--profiles-dir", str(dbt_profiles_dir()), "--quiet"]
            )
        finally:
            # dbt-duckdb can keep its connection open; release the file for the next step.
            DuckDBConnectionManager.close_all_connections()


def _node_finished_callback(on_node: Callable[[int, str], None] | None) -> Callable:
    """A dbt event callback counting finished nodes (and holding the build fault point)."""
    finished = 0
    kill_after = int(os.environ.get(FAULT_BUILD_NODES_ENV, "5"))

    def callback(event) -> None:
        nonlocal finished
        if event.info.name != "NodeFinished":
            return
        finished += 1
        if on_node is not None:
            on_node(finished, event.data.node_info.unique_id)
        if finished >= kill_after and fault_requested("build"):
            fault_point("build")

    return callback


def build_inputs(work_db: Path) -> str:
    """A digest of everything a `dbt build` of `work_db` reads: the project's files (models,
    macros, seeds, dbt tests, dbt_project.yml, the profile), the dbt version, the
    pseudonym key, the drops loaded (extract date and load id) and the last linkage run.
    History only changes by loading a drop and the links only by a linkage run, so equal
    digests mean a build would make exactly the marts already there."""
    from dbt.version import __version__ as dbt_version

    digest = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    digest.update(os.environ.get("CSC_PSEUDONYM_KEY", "").encode())
    root = dbt_project_dir()
    for entry in PROJECT_INPUTS:
        path = root / entry
        files = sorted(f for f in path.rglob("*") if f.suffix in PROJECT_SUFFIXES) \
            if path.is_dir() else [path]
        for file in files:
            digest.update(f"\n{file.relative_to(root)}\n".encode())
            digest.update(file.read_bytes())
    with duckdb.connect(str(work_db)) as con:
        ensure_linkage_tables(con)  # dbt reads linkage.caf_person_links as a source
        loaded = con.execute("""select count(*) from duckdb_tables()
                                where schema_name = 'meta' and table_name = 'loaded_drops'"""
                             ).fetchone()[0]
        drops = con.execute(
            "select extract_date, load_id from meta.loaded_drops order by extract_date"
        ).fetchall() if loaded else []
        linked = con.execute("select max(linked_at) from meta.linkage_runs").fetchone()[0]
    digest.update(repr((drops, linked)).encode())
    return digest.hexdigest()


def last_build_inputs(work_db: Path) -> str | None:
    """The inputs digest of the last build that finished, or None when the marts may not
    be whole (no build yet, or one started since and did not finish)."""
    with duckdb.connect(str(work_db)) as con:
        for statement in BUILD_STATE_DDL:
            con.execute(statement)
        row = con.execute("select inputs from meta.build_state").fetchone()
    return row[0] if row else None


def build_is_current(work_db: Path) -> bool:
    """True when the last whole build finished on exactly the inputs there are now."""
    return last_build_inputs(work_db) == build_inputs(work_db)


def _set_build_state(work_db: Path, inputs: str | None) -> None:
    with duckdb.connect(str(work_db)) as con:
        for statement in BUILD_STATE_DDL:
            con.execute(statement)
        con.execute("delete from meta.build_state")
        if inputs is not None:
            con.execute("insert into meta.build_state values (?, current_timestamp)", [inputs])


def run_dbt_build(work_db: Path, extra_args: list[str] | None = None,
                  on_node: Callable[[int, str], None] | None = None) -> BuildResult:
    """`dbt build` the whole project into `work_db`. Raises BuildFailed on any error.
    `on_node(count, unique_id)` is called as each node finishes."""
    # build_inputs also makes sure the linkage tables dbt reads as a source exist (empty
    # when no linkage has run yet on this work database).
    inputs = build_inputs(work_db)
    _set_build_state(work_db, None)  # from here until success the marts may be half built
    outcome = dbt_invoke(["build", *(extra_args or [])], work_db,
                         callbacks=[_node_finished_callback(on_node)])
    if outcome.exception is not None:
        raise BuildFailed(f"dbt build could not run: {outcome.exception}")
    failures = []
    nodes = 0
    for r in outcome.result or []:
        nodes += 1
        status = str(r.status)
        if status in ("error", "fail", "runtime error"):
            failures.append(f"{r.node.unique_id}: {status}: {r.message}")
    if failures or not outcome.success:
        raise BuildFailed("dbt build failed:\n  " + "\n  ".join(failures or ["(see dbt log)"]))
    if not extra_args:  # a whole build: its marts stand for these inputs
        _set_build_state(work_db, inputs)
    return BuildResult(nodes=nodes)
