"""The bookkeeping of a refresh, kept out of the runbook (flows/nightly_refresh.py).

`refresh_run` holds the warehouse's refresh lock, prepares the work database (csc.workdb),
starts the run's row in meta.refresh_runs (csc.runlog) and its plain-text log file, and
marks the run `succeeded` when the runbook has done every step, or `failed` at the step
that raised. `RefreshRun.step` runs one step: it times it, writes what the step's result
says to the run's row (the columns of `describe`, and the step's seconds, rows and
attempts), announces it to the progress listeners (the `csc refresh` command) and logs it.
A step's warnings (stale data, validation drift) are logged as warnings and kept in the
row's `warnings` column; they never stop the run.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from csc.config import WarehousePaths
from csc.runlog import (
    RefreshAlreadyRunning,
    close_stale_runs,
    finish_run,
    refresh_lock,
    start_run,
    update_run,
)
from csc.workdb import prepare_work_db

if TYPE_CHECKING:
    from csc.build import BuildResult
    from csc.freshness import FreshnessResult
    from csc.linkage import LinkageResult
    from csc.load import LoadResult
    from csc.publish import DocsSite, PublishResult
    from csc.report import ReportFiles
    from csc.validate import ValidationResult

STEPS = ("load", "freshness", "link", "build", "validate", "publish", "docs", "report")
STEP_TITLES = {"load": "load new drops", "freshness": "check freshness",
               "link": "link CAF children to RAISE", "build": "dbt build",
               "validate": "validate", "publish": "publish",
               "docs": "publish the dbt docs site", "report": "render reports"}
# How a step's warnings are introduced in the log.
WARNING_TITLES = {"validate": "Validation warning", "freshness": "Freshness warning"}
NO_REPORTS = "no local authority in the warehouse"


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
    attempt: int | None = None  # retrying: the attempt starting


_listeners: list[Callable[[StepEvent], None]] = []


def add_progress_listener(listener: Callable[[StepEvent], None]) -> None:
    _listeners.append(listener)


def remove_progress_listener(listener: Callable[[StepEvent], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def announce(event: StepEvent) -> None:
    for listener in list(_listeners):
        listener(event)


# --- What each step's result says ---------------------------------------------------------

@dataclass(frozen=True)
class Described:
    """A step's result in the run log's terms."""

    detail: str                                   # its line on the console and in the log
    columns: dict[str, object] = field(default_factory=dict)  # meta.refresh_runs columns
    rows: int | None = None                       # its entry in step_rows
    warnings: list[str] = field(default_factory=list)
    failure: str | None = None                    # set: the refresh stops here


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _load(r: LoadResult, paths: WarehousePaths) -> Described:
    drops = r.drops_loaded
    return Described(
        f"{_plural(len(drops), 'new drop')} ({', '.join(drops) or 'nothing new'}), "
        f"{_plural(r.rows_read, 'row')} read, {r.versions_added:,} record versions added"
        + (f"; {_plural(sum(r.record_problems.values()), 'record')} flagged ("
           + ", ".join(f"{rule} {n:,}" for rule, n in sorted(r.record_problems.items()))
           + "): see marts.data_quality_issues" if r.record_problems else ""),
        columns={"drops_loaded": drops, "rows_loaded": r.rows_read,
                 "versions_added": r.versions_added, "versions_closed": r.versions_closed,
                 "record_problems": dict(sorted(r.record_problems.items()))},
        rows=r.rows_read)


def _freshness(r: FreshnessResult, paths: WarehousePaths) -> Described:
    s = r.staleness
    verdict = (f"STALE (more than {s.threshold} days)" if s.stale
               else f"fresh (stale after {s.threshold} days)")
    return Described(
        f"{s.figures_as_at()}: {verdict}; dbt source freshness: {r.dbt_status}",
        columns={"newest_extract": s.newest_extract, "extract_age_days": s.days,
                 "stale_after_days": s.threshold, "stale": s.stale,
                 "freshness_status": r.dbt_status},
        warnings=r.warnings)


def _link(r: LinkageResult | None, paths: WarehousePaths) -> Described:
    if r is None:
        return Described("nothing new to link")
    return Described(
        f"{r.links:,} of {r.caf_children:,} CAF children linked {r.links_by_method}; "
        f"{r.review_pairs:,} pairs for clerical review in {paths.directory / 'linkage'}")


def _build(r: BuildResult, paths: WarehousePaths) -> Described:
    return Described(
        f"nothing new since the last build: skipped; {r.marts_rows:,} rows in marts"
        if r.skipped else f"{r.nodes} dbt nodes passed ({r.plan} build: {r.reason}); "
                          f"{r.marts_rows:,} rows in marts",
        columns={"dbt_nodes": r.nodes}, rows=r.marts_rows)


def _validate(r: ValidationResult, paths: WarehousePaths) -> Described:
    docs = str(r.data_docs or "")
    return Described(
        f"{r.summary()}; Data Docs: {docs}",
        columns={"validation_result": r.summary(),
                 "validation_failures": "\n".join(r.failures) or None,
                 "data_docs": docs or None},
        warnings=r.warnings,  # drift: worth a look, never blocks publishing
        failure=None if r.success else "; ".join(r.failures) + f" (Data Docs: {docs})")


def _publish(r: PublishResult, paths: WarehousePaths) -> Described:
    return Described(
        f"{paths.published}: {_plural(r.measures, 'measure')}, {r.measure_rows:,} measure "
        f"values, {len(r.tables)} tables"
        + (f" ({len(r.replaced)} written"
           + (f", {len(r.patched)} of them patched in place" if r.patched else "")
           + ", the rest kept)" if r.mode == "incremental" else ""),
        columns={"measures_published": r.measures, "measure_rows": r.measure_rows,
                 "published_rows": r.total_rows},
        rows=r.total_rows)


def _docs(r: DocsSite, paths: WarehousePaths) -> Described:
    return Described(
        f"{r.path}: {r.models} dbt models with their lineage, the catalog of "
        f"{len(r.catalog_tables)} published tables",
        columns={"docs_site": r.path})


def _report(r: list[ReportFiles], paths: WarehousePaths) -> Described:
    path = r[0].html if r else None
    kept = sum(not f.rendered for f in r)
    text = (str(path) if path else NO_REPORTS) + (
        f" ({len(r) - kept} LA(s) rendered, {kept} unchanged)" if kept else "")
    return Described(text, columns={"report_path": path})


DESCRIBE: dict[str, Callable[[Any, WarehousePaths], Described]] = {
    "load": _load, "freshness": _freshness, "link": _link, "build": _build,
    "validate": _validate, "publish": _publish, "docs": _docs, "report": _report}


# --- The run -------------------------------------------------------------------------------

@dataclass
class RefreshSummary:
    """What a refresh that succeeded did: the result of each step."""

    run_id: str
    warehouse: Path
    log_file: Path
    seconds: dict[str, float]     # step -> seconds
    stale_runs: dict[str, str]    # earlier runs found unfinished -> status given
    loaded: LoadResult
    freshness: FreshnessResult
    linkage: LinkageResult | None  # None: nothing new to link
    build: BuildResult
    validation: ValidationResult
    published: PublishResult
    docs: DocsSite
    reports: list[ReportFiles]
    warnings: list[str] = field(default_factory=list)  # the run's warnings, as logged

    @property
    def report_path(self) -> Path | None:
        return self.reports[0].html if self.reports else None


T = TypeVar("T")


class RefreshRun:
    """One refresh's row in meta.refresh_runs and its step bookkeeping (see the module)."""

    def __init__(self, paths: WarehousePaths, run_id: str, log_file: Path, logger):
        self.paths = paths
        self.run_id = run_id
        self.log_file = log_file
        self.logger = logger
        self.seconds: dict[str, float] = {}
        self.rows: dict[str, int] = {}
        self.attempts: dict[str, int] = {}
        self.stale_runs: dict[str, str] = {}
        self.warnings: list[str] = []
        self.current = "start"
        self._started = time.monotonic()

    def step(self, name: str, task: Callable[..., T], *args: object) -> T:
        """Run step `name` (`task(*args)`) and record what its result says. A result that
        says the refresh must stop (a failed validation) raises ValidationFailed once it
        is recorded."""
        self.current, self._started = name, time.monotonic()
        self.attempts[name] = 1
        self._write()  # a publication copies the row: it holds the attempt under way
        announce(StepEvent(name, "started", STEP_TITLES[name]))
        result = task(*args)
        described = DESCRIBE[name](result, self.paths)
        self.seconds[name] = round(time.monotonic() - self._started, 2)
        if described.rows is not None:
            self.rows[name] = described.rows
        for warning in described.warnings:
            self.logger.warning("%s: %s", WARNING_TITLES.get(name, STEP_TITLES[name]), warning)
        self.warnings += described.warnings
        self._write(**described.columns,
                    **({"warnings": "\n".join(self.warnings)} if described.warnings else {}))
        if described.failure is not None:
            raise ValidationFailed(described.failure)
        announce(StepEvent(name, "finished", described.detail, self.seconds[name]))
        self.logger.info("%s finished in %.1f s: %s", STEP_TITLES[name], self.seconds[name],
                         described.detail)
        return result

    def summary(self, **results: Any) -> RefreshSummary:
        """The summary of this run with the steps' `results` (RefreshSummary's fields)."""
        return RefreshSummary(run_id=self.run_id, warehouse=self.paths.published,
                              log_file=self.log_file, seconds=self.seconds,
                              stale_runs=self.stale_runs, warnings=list(self.warnings),
                              **results)

    def _write(self, **columns: object) -> None:
        update_run(self.paths.work, self.run_id, step_seconds=self.seconds,
                   step_rows=self.rows, step_attempts=self.attempts, **columns)

    def _heard(self, event: StepEvent) -> None:
        """A task announced a retry: record the attempt (before the retry runs)."""
        if event.phase == "retrying" and event.attempt is not None:
            self.attempts[event.step] = event.attempt
            self._write()

    def _finish(self, failure: BaseException | None) -> None:
        if failure is None:
            finish_run(self.paths.work, self.run_id, "succeeded", step_seconds=self.seconds,
                       step_rows=self.rows, step_attempts=self.attempts)
            self.logger.info("Refresh %s succeeded in %.1f s.", self.run_id,
                             sum(self.seconds.values()))
            return
        step = self.current
        message = str(failure) or type(failure).__name__
        self.seconds[step] = round(time.monotonic() - self._started, 2)
        finish_run(self.paths.work, self.run_id, "failed", failed_step=step, message=message,
                   step_seconds=self.seconds, step_rows=self.rows,
                   step_attempts=self.attempts)
        announce(StepEvent(step, "failed", message, self.seconds[step]))
        unchanged = {
            "report": "The published warehouse was already replaced; only the reports are "
                      "missing.",
            "docs": "The published warehouse was already replaced; its docs site is the "
                    "previous one and the reports are missing (`csc report` renders them).",
        }.get(step, "The published warehouse is unchanged.")
        self.logger.error("Refresh %s failed at the %s step: %s. %s", self.run_id, step,
                          message, unchanged)
        if isinstance(failure, Exception):
            raise RefreshFailed(step, message, self.run_id, str(self.log_file)) from failure


_LOGGERS = ("prefect.flow_runs", "prefect.task_runs", "csc")


def _run_log_handler(paths: WarehousePaths, run_id: str) -> tuple[Path, logging.Handler]:
    """A plain-text log file for this run (beside the warehouse, in logs/)."""
    log_dir = paths.directory / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log_file = log_dir / f"refresh-{run_id}.log"
    handler = logging.FileHandler(log_file, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    return log_file, handler


@contextlib.contextmanager
def refresh_run(paths: WarehousePaths, landing: Path, logger, flow_run_id: str = ""
                ) -> Iterator[RefreshRun]:
    """Hold the refresh lock and record the run (see the module). The run is `succeeded`
    when the block ends normally; an exception in it fails the run at the step it came
    from and is raised as RefreshFailed."""
    with contextlib.ExitStack() as stack:
        try:
            stack.enter_context(refresh_lock(paths))
        except RefreshAlreadyRunning as exc:
            logger.error("%s", exc)
            raise RefreshFailed("start", str(exc)) from exc
        prepare_work_db(paths.work)
        run_id = start_run(paths.work, landing=landing, published_file=paths.published,
                           flow_run_id=flow_run_id)
        log_file, handler = _run_log_handler(paths, run_id)
        for name in _LOGGERS:
            logging.getLogger(name).addHandler(handler)
        stack.callback(_remove_handler, handler)
        update_run(paths.work, run_id, log_file=log_file)
        run = RefreshRun(paths, run_id, log_file, logger)
        add_progress_listener(run._heard)
        stack.callback(remove_progress_listener, run._heard)
        try:
            run.stale_runs = close_stale_runs(paths.work, paths.published, by_run=run_id)
            for old, status in run.stale_runs.items():
                logger.warning("Run %s had not finished (its process ended); marked %s.",
                               old, status)
            logger.info("Refresh %s: landing %s -> warehouse %s", run_id, landing,
                        paths.published)
            yield run
        except BaseException as exc:
            run._finish(exc)
            raise
        run._finish(None)


def _remove_handler(handler: logging.Handler) -> None:
    for name in _LOGGERS:
        logging.getLogger(name).removeHandler(handler)
    handler.close()
