"""The nightly refresh, as a Prefect flow. It reads like the runbook:

    load new drops -> link CAF children to RAISE -> dbt build -> validate -> publish
    -> render reports

Each step is a task that calls a plain function of the `csc` package (tested without
Prefect). Tasks receive and return paths and plain values, never connections, and none is
cached: every run does the work. A step is retried only where a retry can help: the load on
a locked database file, the publish on a transient OSError (a file briefly held by a virus
scanner or a backup); never on a rejected drop, a failed dbt test or a failed validation,
which would only fail again.

The run is recorded as it goes in meta.refresh_runs (timings, rows per step, attempts,
measures published, where the Data Docs and the log are). Only one refresh of a warehouse
runs at a time (a lock file beside it); a row left `running` by a refresh that died is
marked `abandoned` by the next one. When any step fails the previously published warehouse
is exactly as it was: only the publish step's atomic rename ever changes it.

The log of each run, in words, goes to the Prefect server (when there is one) and to
`<warehouse folder>/logs/refresh-<run id>.log`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run as flow_run_context
from prefect.runtime import task_run as task_run_context

from csc.build import build_plan, run_dbt_build
from csc.config import WarehousePaths, set_offline_env, warehouse_paths
from csc.linkage import (
    LinkageConfig,
    export_clerical_review,
    link_caf_children,
    linkage_match_threshold,
    linkage_needed,
)
from csc.load import DropRejected, load_new_drops
from csc.publish import PublishRefused, publish_warehouse
from csc.report import render_report, report_la_codes
from csc.runlog import (
    RefreshAlreadyRunning,
    close_stale_runs,
    fault_point,
    fault_requested,
    finish_run,
    refresh_lock,
    start_run,
    update_run,
)
from csc.validate import validate_build

set_offline_env()

STEPS = ("load", "link", "build", "validate", "publish", "report")
STEP_TITLES = {"load": "load new drops", "link": "link CAF children to RAISE",
               "build": "dbt build", "validate": "validate",
               "publish": "publish", "report": "render reports"}


class RefreshFailed(Exception):
    """A refresh stopped at `step`; the run's id and log file say where to look."""

    def __init__(self, step: str, message: str, run_id: str | None = None,
                 log_file: str | None = None):
        self.step = step
        self.reason = message
        self.run_id = run_id
        self.log_file = log_file
        super().__init__(f"{step} step failed: {message}")


class ValidationFailed(Exception):
    """The GX checkpoint found data that must not be published."""


# --- Progress: the refresh command listens; a served run only logs ---------------------------

@dataclass(frozen=True)
class StepEvent:
    step: str
    phase: str          # started | finished | failed | retrying | note
    detail: str = ""
    seconds: float | None = None


_listeners: list[Callable[[StepEvent], None]] = []


def add_progress_listener(listener: Callable[[StepEvent], None]) -> None:
    _listeners.append(listener)


def remove_progress_listener(listener: Callable[[StepEvent], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _announce(event: StepEvent) -> None:
    for listener in list(_listeners):
        listener(event)


def _attempt(step: str) -> int:
    """This task run's attempt number; announces a retry."""
    attempt = task_run_context.get_run_count() or 1
    if attempt > 1:
        _announce(StepEvent(step, "retrying", f"attempt {attempt}"))
    return attempt


# --- Retry policy ------------------------------------------------------------------------

def _exception_of(state) -> BaseException | None:
    data = getattr(state, "data", None)
    if isinstance(data, BaseException):
        return data
    try:
        value = state.result(raise_on_failure=False)
    except BaseException as exc:  # noqa: BLE001 - the state's own exception
        return exc
    return value if isinstance(value, BaseException) else None


def retry_on(*transient: type[BaseException], never: tuple[type[BaseException], ...] = ()):
    """A Prefect retry condition: retry when the task failed with one of `transient`
    (and not one of `never`)."""

    def should_retry(task, task_run, state) -> bool:  # noqa: ARG001 - Prefect's signature
        exc = _exception_of(state)
        return isinstance(exc, transient) and not isinstance(exc, never)

    return should_retry


LOAD_RETRY = retry_on(duckdb.IOException, never=(DropRejected,))
PUBLISH_RETRY = retry_on(OSError, duckdb.IOException, never=(PublishRefused,))


# --- Tasks -------------------------------------------------------------------------------

def _kill_when_a_drop_commits(work_db: Path, stop: threading.Event) -> threading.Thread:
    """Fault injection for `CSC_FAULT_KILL_AT=load`: SIGKILL the process as soon as the
    first new drop has committed, i.e. while the next one is being checked or merged."""

    def watch() -> None:
        con = None
        baseline = None
        try:
            while not stop.is_set():
                try:
                    con = con or duckdb.connect(str(work_db))
                    n = con.execute("select count(*) from meta.loaded_drops").fetchone()[0]
                except duckdb.Error:
                    n = None
                if n is not None:
                    baseline = n if baseline is None else baseline
                    if n > baseline:
                        fault_point("load")
                time.sleep(0.02)
        finally:
            if con is not None:
                con.close()

    thread = threading.Thread(target=watch, name="fault-load", daemon=True)
    thread.start()
    return thread


@task(name="load new drops", retries=2, retry_delay_seconds=5,
      retry_condition_fn=LOAD_RETRY, cache_policy=NO_CACHE)
def load_drops(landing: str, work_db: str) -> dict:
    attempt = _attempt("load")
    stop = threading.Event()
    watcher = _kill_when_a_drop_commits(Path(work_db), stop) if fault_requested("load") else None
    try:
        result = load_new_drops(Path(landing), Path(work_db))
    finally:
        stop.set()
        if watcher is not None:
            watcher.join()
    fault_point("load")  # only one new drop: killed after it committed
    return {"drops": result.drops_loaded, "rows": result.rows_read,
            "versions_added": result.versions_added, "versions_closed": result.versions_closed,
            "attempts": attempt}


@task(name="link CAF children", cache_policy=NO_CACHE)
def link_caf(work_db: str, warehouse_dir: str, new_drops: bool) -> dict:
    """Link CAF children to RAISE persons (csc.linkage) when there is something new: new
    drops, a changed decisions file, or no linkage yet. Writes the clerical-review list."""
    attempt = _attempt("link")
    linkage_dir = Path(warehouse_dir) / "linkage"
    decisions = linkage_dir / "decisions.csv"
    if not linkage_needed(Path(work_db), decisions, new_drops):
        return {"ran": False, "attempts": attempt}
    truth = os.environ.get("CSC_LINKAGE_TRUTH")
    result = link_caf_children(Path(work_db), LinkageConfig(
        match_threshold=linkage_match_threshold()), decisions_file=decisions,
        truth_file=Path(truth) if truth else None)
    review = export_clerical_review(Path(work_db), linkage_dir / "clerical_review.csv")
    fault_point("link")
    return {"ran": True, "caf_children": result.caf_children, "links": result.links,
            "by_method": result.links_by_method, "review_pairs": review,
            "batches": result.batches, "batches_relinked": result.batches_linked,
            "precision": result.precision, "recall": result.recall, "attempts": attempt}


def _marts_rows(work_db: Path) -> int:
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        return sum(con.execute(f'select count(*) from marts."{t}"').fetchone()[0]
                   for (t,) in tables)


@task(name="dbt build", cache_policy=NO_CACHE)
def build(work_db: str) -> dict:
    attempt = _attempt("build")
    logger = get_run_logger()

    def on_node(count: int, unique_id: str) -> None:
        if count % 25 == 0:
            logger.info("dbt: %d nodes done (last: %s)", count, unique_id)
            _announce(StepEvent("build", "note", f"{count} dbt nodes done"))

    plan = build_plan(Path(work_db))
    if plan.kind == "current":
        # No new drop, no change to the links or the dbt project since the last whole
        # build: the marts are what a build would make. (Validation still runs.)
        return {"nodes": 0, "skipped": True, "plan": plan.kind, "plan_reason": plan.reason,
                "marts_rows": _marts_rows(Path(work_db)), "attempts": attempt}
    logger.info("dbt build, %s: %s", plan.kind, plan.reason)
    nodes = run_dbt_build(Path(work_db), on_node=on_node, plan=plan).nodes
    return {"nodes": nodes, "skipped": False, "plan": plan.kind, "plan_reason": plan.reason,
            "marts_rows": _marts_rows(Path(work_db)), "attempts": attempt}


@task(name="validate", cache_policy=NO_CACHE)
def validate(work_db: str, gx_root: str) -> dict:
    attempt = _attempt("validate")
    result = validate_build(Path(work_db), Path(gx_root))
    fault_point("validate")  # the checkpoint ran; its outcome is not recorded yet
    return {"success": result.success, "summary": result.summary(),
            "failures": result.failures, "warnings": result.warnings,
            "data_docs": str(result.data_docs or ""), "attempts": attempt}


@task(name="publish", retries=3, retry_delay_seconds=[2, 10, 30],
      retry_condition_fn=PUBLISH_RETRY, cache_policy=NO_CACHE)
def publish_step(warehouse: str, run_id: str, run_fields: dict) -> dict:
    attempt = _attempt("publish")
    result = publish_warehouse(warehouse_paths(warehouse), run_id=run_id,
                               run_fields={**run_fields, "step_attempts": {
                                   **run_fields.get("step_attempts", {}), "publish": attempt}})
    return {"tables": result.tables, "rows": result.total_rows, "measures": result.measures,
            "measure_rows": result.measure_rows, "attempts": attempt}


@task(name="render reports", retries=1, retry_delay_seconds=5,
      retry_condition_fn=retry_on(OSError), cache_policy=NO_CACHE)
def render_reports(warehouse: str, reports_dir: str) -> dict:
    """Render the Cabinet report, workbook and clinic view of the latest complete period
    for each LA in the published warehouse (or those in CSC_REPORT_LAS) into `reports_dir`."""
    attempt = _attempt("report")
    files: list[str] = []
    for la_code in report_la_codes(Path(warehouse)):
        rendered = render_report(Path(warehouse), None, la_code, Path(reports_dir))
        files += [str(rendered.html), str(rendered.xlsx), str(rendered.clinic)]
    fault_point("report")
    return {"path": files[0] if files else None, "files": files, "attempts": attempt,
            **({} if files else {"note": "no local authority in the warehouse"})}


# --- The flow ----------------------------------------------------------------------------

def _run_log_handler(paths: WarehousePaths, run_id: str) -> tuple[Path, logging.Handler]:
    """A plain-text log file for this run (beside the warehouse, in logs/)."""
    log_dir = paths.directory / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"refresh-{run_id}.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    return log_file, handler


_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "csc")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


@flow(name="nightly_refresh")
def nightly_refresh(landing: str, warehouse: str | None = None,
                    reports: str | None = None) -> dict:
    """Load every new drop under `landing`, build, validate, publish `warehouse` and render
    the reports into `reports` (default: `reports/` beside the warehouse folder)."""
    logger = get_run_logger()
    paths = warehouse_paths(warehouse)
    reports_dir = Path(reports).resolve() if reports else paths.directory.parent / "reports"
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(refresh_lock(paths))
        except RefreshAlreadyRunning as exc:
            logger.error("%s", exc)
            raise RefreshFailed("start", str(exc)) from exc
        return _refresh(logger, Path(landing).resolve(), paths, reports_dir)


def _refresh(logger, landing: Path, paths: WarehousePaths, reports_dir: Path) -> dict:
    work = str(paths.work)
    run_id = start_run(paths.work, landing=landing, published_file=paths.published,
                       flow_run_id=str(flow_run_context.get_id() or ""))
    log_file, handler = _run_log_handler(paths, run_id)
    for name in _LOGGERS:
        logging.getLogger(name).addHandler(handler)
    update_run(paths.work, run_id, log_file=log_file)

    timings: dict[str, float] = {}
    rows: dict[str, int] = {}
    attempts: dict[str, int] = {}
    summary: dict = {"run_id": run_id, "warehouse": str(paths.published),
                     "log_file": str(log_file), "seconds": timings}
    step = "start"
    started = time.monotonic()

    def begin(name: str) -> None:
        nonlocal step, started
        step, started = name, time.monotonic()
        _announce(StepEvent(name, "started", STEP_TITLES[name]))

    def end(name: str, detail: str) -> None:
        timings[name] = round(time.monotonic() - started, 2)
        _announce(StepEvent(name, "finished", detail, timings[name]))
        logger.info("%s finished in %.1f s: %s", STEP_TITLES[name], timings[name], detail)

    try:
        stale = close_stale_runs(paths.work, paths.published, by_run=run_id)
        summary["stale_runs"] = stale
        for old, status in stale.items():
            logger.warning("Run %s had not finished (its process ended); marked %s.",
                           old, status)
        logger.info("Refresh %s: landing %s -> warehouse %s", run_id, landing,
                    paths.published)

        begin("load")
        loaded = load_drops(str(landing), work)
        summary["loaded"] = loaded
        rows["load"], attempts["load"] = loaded["rows"], loaded["attempts"]
        update_run(paths.work, run_id, drops_loaded=loaded["drops"], rows_loaded=loaded["rows"],
                   versions_added=loaded["versions_added"],
                   versions_closed=loaded["versions_closed"])
        end("load", (f"{_plural(len(loaded['drops']), 'new drop')} "
                     f"({', '.join(loaded['drops']) or 'nothing new'}), "
                     f"{_plural(loaded['rows'], 'row')} read, "
                     f"{loaded['versions_added']:,} record versions added"))

        begin("link")
        linked = link_caf(work, str(paths.directory), bool(loaded["drops"]))
        summary["linkage"] = linked
        attempts["link"] = linked["attempts"]
        end("link", (f"{linked['links']:,} of {linked['caf_children']:,} CAF children linked "
                     f"{linked['by_method']}; {linked['review_pairs']:,} pairs for clerical "
                     f"review in {paths.directory / 'linkage'}") if linked["ran"]
            else "nothing new to link")

        begin("build")
        built = build(work)
        summary["dbt_nodes"] = built["nodes"]
        summary["build_skipped"] = built["skipped"]
        summary["build_plan"] = built["plan"]
        rows["build"], attempts["build"] = built["marts_rows"], built["attempts"]
        update_run(paths.work, run_id, dbt_nodes=built["nodes"], step_seconds=timings,
                   step_rows=rows)
        end("build", (f"nothing new since the last build: skipped; {built['marts_rows']:,} "
                      "rows in marts") if built["skipped"] else
            f"{built['nodes']} dbt nodes passed ({built['plan']} build: "
            f"{built['plan_reason']}); {built['marts_rows']:,} rows in marts")

        begin("validate")
        validation = validate(work, str(paths.gx_root))
        summary["validation"] = validation
        attempts["validate"] = validation["attempts"]
        update_run(paths.work, run_id, validation_result=validation["summary"],
                   validation_failures="\n".join(validation["failures"]) or None,
                   data_docs=validation["data_docs"] or None)
        for warning in validation["warnings"]:  # drift: worth a look, never blocks publishing
            logger.warning("Validation warning: %s", warning)
        if not validation["success"]:
            raise ValidationFailed("; ".join(validation["failures"])
                                   + f" (Data Docs: {validation['data_docs']})")
        end("validate", f"{validation['summary']}; Data Docs: {validation['data_docs']}")

        begin("publish")
        published = publish_step(str(paths.published), run_id, {
            "step_seconds": timings, "step_rows": rows, "step_attempts": attempts})
        summary["published"] = published
        rows["publish"], attempts["publish"] = published["rows"], published["attempts"]
        end("publish", (f"{paths.published}: {_plural(published['measures'], 'measure')}, "
                        f"{published['measure_rows']:,} measure values, "
                        f"{len(published['tables'])} tables"))
        update_run(paths.work, run_id, measures_published=published["measures"],
                   measure_rows=published["measure_rows"], published_rows=published["rows"],
                   step_seconds=timings, step_rows=rows, step_attempts=attempts)

        begin("report")
        report = render_reports(str(paths.published), str(reports_dir))
        summary["report"] = report
        attempts["report"] = report["attempts"]
        end("report", report.get("note") or f"{report['path']}")
        finish_run(paths.work, run_id, "succeeded", report_path=report["path"],
                   step_seconds=timings, step_rows=rows, step_attempts=attempts)
        logger.info("Refresh %s succeeded in %.1f s.", run_id, sum(timings.values()))
    except BaseException as exc:
        message = str(exc) or type(exc).__name__
        timings[step] = round(time.monotonic() - started, 2)
        finish_run(paths.work, run_id, "failed", failed_step=step, message=message,
                   step_seconds=timings, step_rows=rows, step_attempts=attempts)
        _announce(StepEvent(step, "failed", message, timings[step]))
        unchanged = ("The published warehouse was already replaced; only the reports are "
                     "missing." if step == "report" else
                     "The published warehouse is unchanged.")
        logger.error("Refresh %s failed at the %s step: %s. %s", run_id, step, message,
                     unchanged)
        if isinstance(exc, Exception):
            raise RefreshFailed(step, message, run_id, str(log_file)) from exc
        raise
    finally:
        for name in _LOGGERS:
            logging.getLogger(name).removeHandler(handler)
        handler.close()
    return summary
