"""Run `dbt build` (seed, run, test) on the work database, in process.

`run_dbt_build` can report each finished dbt node to a callback (the refresh shows
progress with it) and holds the `build` fault point of the failure tests: with
`CSC_FAULT_KILL_AT=build` the process kills itself after `CSC_FAULT_BUILD_NODES` (default 5)
nodes have finished, i.e. with the work database half rebuilt.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csc.config import dbt_profiles_dir, dbt_project_dir, set_offline_env
from csc.linkage import ensure_linkage_tables
from csc.runlog import fault_point, fault_requested

FAULT_BUILD_NODES_ENV = "CSC_FAULT_BUILD_NODES"


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


def run_dbt_build(work_db: Path, extra_args: list[str] | None = None,
                  on_node: Callable[[int, str], None] | None = None) -> BuildResult:
    """`dbt build` the whole project into `work_db`. Raises BuildFailed on any error.
    `on_node(count, unique_id)` is called as each node finishes."""
    # dbt reads the CAF-RAISE links as a source: make sure the (possibly empty) tables
    # exist even when no linkage has run yet on this work database.
    with duckdb.connect(str(work_db)) as con:
        ensure_linkage_tables(con)
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
    return BuildResult(nodes=nodes)
