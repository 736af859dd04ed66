"""The nightly refresh, as a Prefect flow. It reads like the runbook:

    load new drops -> dbt build -> validate -> publish

Each step is a task that calls a plain function of the `csc` package (tested without
Prefect). Tasks receive and return paths and plain values, never connections. The run is
recorded in meta.refresh_runs; when any step fails the run is marked failed and the
previously published warehouse is left exactly as it was.
"""

from __future__ import annotations

import time
from pathlib import Path

from prefect import flow, get_run_logger, task

from csc.build import run_dbt_build
from csc.config import set_offline_env, warehouse_paths
from csc.load import load_new_drops
from csc.publish import publish
from csc.runlog import finish_run, start_run, update_run
from csc.validate import validate_build

set_offline_env()


class RefreshFailed(Exception):
    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(f"{step} step failed: {message}")


@task(name="load new drops")
def load_drops(landing: str, work_db: str) -> dict:
    result = load_new_drops(Path(landing), Path(work_db))
    return {"drops": result.drops_loaded, "rows": result.rows_read,
            "versions_added": result.versions_added, "versions_closed": result.versions_closed}


@task(name="dbt build")
def build(work_db: str) -> int:
    return run_dbt_build(Path(work_db)).nodes


@task(name="validate")
def validate(work_db: str, gx_root: str) -> dict:
    result = validate_build(Path(work_db), Path(gx_root))
    return {"success": result.success, "summary": result.summary(),
            "failures": result.failures, "warnings": result.warnings,
            "data_docs": str(result.data_docs or "")}


@task(name="publish")
def publish_warehouse(warehouse: str) -> list[str]:
    return publish(warehouse_paths(warehouse))


@flow(name="nightly_refresh")
def nightly_refresh(landing: str, warehouse: str | None = None) -> dict:
    """Load every new drop under `landing`, build, validate and publish `warehouse`."""
    logger = get_run_logger()
    paths = warehouse_paths(warehouse)
    work = str(paths.work)
    run_id = start_run(paths.work)
    timings: dict[str, float] = {}
    summary: dict = {"run_id": run_id, "warehouse": str(paths.published)}
    step = "load"
    try:
        started = time.monotonic()
        loaded = load_drops(landing, work)
        timings["load"] = round(time.monotonic() - started, 2)
        summary["loaded"] = loaded
        update_run(paths.work, run_id, drops_loaded=loaded["drops"], rows_loaded=loaded["rows"])
        logger.info("Loaded %d new drop(s), %d rows read: %s", len(loaded["drops"]),
                    loaded["rows"], ", ".join(loaded["drops"]) or "nothing new")

        step = "build"
        started = time.monotonic()
        summary["dbt_nodes"] = build(work)
        timings["build"] = round(time.monotonic() - started, 2)
        logger.info("dbt build passed: %d nodes", summary["dbt_nodes"])

        step = "validate"
        started = time.monotonic()
        validation = validate(work, str(paths.gx_root))
        timings["validate"] = round(time.monotonic() - started, 2)
        summary["validation"] = validation
        update_run(paths.work, run_id, validation_result=validation["summary"],
                   validation_failures="\n".join(validation["failures"]) or None)
        for warning in validation["warnings"]:  # drift: worth a look, never blocks publishing
            logger.warning("Validation warning: %s", warning)
        if not validation["success"]:
            raise RefreshFailed("validate", "; ".join(validation["failures"])
                                + f" (Data Docs: {validation['data_docs']})")
        logger.info("Validation %s; Data Docs: %s", validation["summary"], validation["data_docs"])

        step = "publish"
        started = time.monotonic()
        # The run is marked succeeded before the copy so the published run log shows it.
        finish_run(paths.work, run_id, "succeeded", step_seconds=timings)
        summary["published_tables"] = publish_warehouse(str(paths.published))
        timings["publish"] = round(time.monotonic() - started, 2)
        update_run(paths.work, run_id, step_seconds=timings)
        logger.info("Published %s", paths.published)
    except Exception as exc:
        message = str(exc)
        finish_run(paths.work, run_id, "failed", failed_step=step, message=message,
                   step_seconds=timings)
        logger.error("Refresh failed at %s: %s. The published warehouse is unchanged.",
                     step, message)
        if isinstance(exc, RefreshFailed):
            raise
        raise RefreshFailed(step, message) from exc
    summary["seconds"] = timings
    return summary
