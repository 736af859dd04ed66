"""The nightly refresh, as a Prefect flow. It is the runbook:

    load new drops -> check freshness -> link CAF children to RAISE -> dbt build
    -> validate -> publish -> publish the dbt docs site -> render reports

Each step is a task that calls a plain function of the `csc` package (tested without
Prefect) and returns its result. Tasks receive paths and plain values, never connections,
and none is cached: every run does the work. A step is retried only where a retry can
help: the load on a locked database file, the publish on a transient OSError (a file
briefly held by a virus scanner or a backup); never on a rejected drop, a failed dbt test
or a failed validation, which would only fail again.

The bookkeeping is flows/recorder.py: only one refresh of a warehouse runs at a time (a
lock file beside it); the run is recorded as it goes in meta.refresh_runs (timings, rows
per step, attempts, measures published, where the Data Docs and the log are); a row left
`running` by a refresh that died is marked by the next one; the run is `succeeded` once
the reports are rendered. A failed validation stops the run before publishing. When any
step before the publish fails the published warehouse is exactly as it was: only the
publish step's atomic rename ever changes it. The dbt docs site beside it
(`<warehouse folder>/docs/index.html`) is replaced the same way, after the publication.

Stale data never stops a run: when the newest extract loaded is older than the staleness
threshold (csc.freshness; default 2 days, CSC_STALE_AFTER_DAYS) the freshness step warns
in the log and in meta.refresh_runs, and the report says so in its banner.

The log of each run, in words, goes to the Prefect server (when there is one) and to
`<warehouse folder>/logs/refresh-<run id>.log`.
"""

from __future__ import annotations

import functools
import os
from dataclasses import replace
from pathlib import Path

import duckdb
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run as flow_run_context
from prefect.runtime import task_run as task_run_context

from csc.build import (
    BuildResult,
    build_plan,
    marts_rows,
    parse_in_background,
    run_dbt_build,
)
from csc.config import set_offline_env, warehouse_paths
from csc.fixes import export_records_to_fix
from csc.freshness import FreshnessResult, check_freshness
from csc.linkage import (
    LinkageConfig,
    LinkageResult,
    export_clerical_review,
    link_caf_children,
    linkage_match_threshold,
    linkage_needed,
)
from csc.load import DropRejected, LoadResult, load_new_drops
from csc.pseudonym import DemoKeyRefused, require_real_key
from csc.publish import (
    DocsSite,
    PublishRefused,
    PublishResult,
    publish_docs_site,
    publish_warehouse,
)
from csc.report import ReportFiles, render_changed_reports, report_la_codes
from csc.validate import ValidationResult, validate_build
from csc.validate.gate import start_worker as start_gx_worker
from flows.recorder import (  # noqa: F401 - the flow's public names, for its callers
    STEP_TITLES,
    STEPS,
    RefreshFailed,
    RefreshSummary,
    StepEvent,
    ValidationFailed,
    add_progress_listener,
    announce,
    refresh_run,
    remove_progress_listener,
)

set_offline_env()


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


LOAD_RETRY = retry_on(duckdb.IOException, never=(DropRejected, DemoKeyRefused))
PUBLISH_RETRY = retry_on(OSError, duckdb.IOException, never=(PublishRefused,))


def step_task(step: str, name: str, **options):
    """A Prefect task for one step: never cached; each retry is announced (the recorder
    counts the attempts, `csc refresh` shows them)."""

    def decorate(fn):
        @functools.wraps(fn)
        def attempt(*args, **kwargs):
            number = task_run_context.get_run_count() or 1
            if number > 1:
                announce(StepEvent(step, "retrying", f"attempt {number}", attempt=number))
            return fn(*args, **kwargs)

        return task(name=name, cache_policy=NO_CACHE, **options)(attempt)

    return decorate


# --- Tasks -------------------------------------------------------------------------------

@step_task("load", "load new drops", retries=2, retry_delay_seconds=5,
           retry_condition_fn=LOAD_RETRY)
def load_drops(landing: str, work_db: str) -> LoadResult:
    require_real_key(Path(landing))  # real drops need a real pseudonym key
    return load_new_drops(Path(landing), Path(work_db))


@step_task("freshness", "check freshness")
def freshness(work_db: str) -> FreshnessResult:
    """How old the newest extract loaded is, by csc's count and by `dbt source freshness`
    (csc.freshness): stale data is a warning, never a failure."""
    return check_freshness(Path(work_db))


@step_task("link", "link CAF children")
def link_caf(work_db: str, warehouse_dir: str, new_drops: bool) -> LinkageResult | None:
    """Link CAF children to RAISE persons (csc.linkage) when there is something new: new
    drops, a changed decisions file, or no linkage yet (else None). Writes the
    clerical-review list; `review_pairs` are the pairs on it."""
    linkage_dir = Path(warehouse_dir) / "linkage"
    decisions = linkage_dir / "decisions.csv"
    if not linkage_needed(Path(work_db), decisions, new_drops):
        return None
    truth = os.environ.get("CSC_LINKAGE_TRUTH")
    result = link_caf_children(Path(work_db), LinkageConfig(
        match_threshold=linkage_match_threshold()), decisions_file=decisions,
        truth_file=Path(truth) if truth else None)
    review = export_clerical_review(Path(work_db), linkage_dir / "clerical_review.csv")
    return replace(result, review_pairs=review)


@step_task("build", "dbt build")
def build(work_db: str) -> BuildResult:
    logger = get_run_logger()

    def on_node(count: int, unique_id: str) -> None:
        if count % 25 == 0:
            logger.info("dbt: %d nodes done (last: %s)", count, unique_id)
            announce(StepEvent("build", "note", f"{count} dbt nodes done"))

    plan = build_plan(Path(work_db))
    if plan.kind == "current":
        # No new drop, no change to the links or the dbt project since the last whole
        # build: the marts are what a build would make. (Validation still runs.)
        result = BuildResult(nodes=0, plan=plan.kind, reason=plan.reason)
    else:
        logger.info("dbt build, %s: %s", plan.kind, plan.reason)
        # Great Expectations imports in its worker process while dbt builds (csc.validate.gate).
        start_gx_worker()
        result = run_dbt_build(Path(work_db), on_node=on_node, plan=plan)
    return replace(result, marts_rows=marts_rows(Path(work_db)))


@step_task("validate", "validate")
def validate(work_db: str, gx_root: str) -> ValidationResult:
    return validate_build(Path(work_db), Path(gx_root))


@step_task("publish", "publish", retries=3, retry_delay_seconds=[2, 10, 30],
           retry_condition_fn=PUBLISH_RETRY)
def publish_step(warehouse: str, run_id: str) -> PublishResult:
    """Publish; then write the data-quality worklist with the record ids in clear beside
    the work database (csc.fixes: the published file withholds child ids)."""
    paths = warehouse_paths(warehouse)
    result = publish_warehouse(paths, run_id=run_id)
    rows = export_records_to_fix(paths.work, paths.directory / "data_quality"
                                 / "records_to_fix.csv")
    get_run_logger().info("records to fix: %d rows written beside the work database", rows)
    return result


@step_task("docs", "publish the dbt docs site", retries=1, retry_delay_seconds=5,
           retry_condition_fn=retry_on(OSError, never=(PublishRefused,)))
def publish_docs(warehouse: str) -> DocsSite:
    """The dbt docs site of the published marts beside the published file, swapped in
    (csc.publish.publish_docs_site)."""
    return publish_docs_site(warehouse_paths(warehouse))


@step_task("report", "render reports", retries=1, retry_delay_seconds=5,
           retry_condition_fn=retry_on(OSError))
def render_reports(warehouse: str, reports_dir: str) -> list[ReportFiles]:
    """Render the Cabinet report, workbook and clinic view of the latest complete period
    for each LA in the published warehouse (or those in CSC_REPORT_LAS) into `reports_dir`:
    only the LAs whose published figures changed (csc.report.render_changed_reports)."""
    return render_changed_reports(Path(warehouse), report_la_codes(Path(warehouse)),
                                  Path(reports_dir))


# --- The flow ----------------------------------------------------------------------------

@flow(name="nightly_refresh")
def nightly_refresh(landing: str, warehouse: str | None = None,
                    reports: str | None = None) -> RefreshSummary:
    """Load every new drop under `landing`, build, validate, publish `warehouse` and render
    the reports into `reports` (default: `reports/` beside the warehouse folder)."""
    paths = warehouse_paths(warehouse)
    reports_dir = Path(reports).resolve() if reports else paths.directory.parent / "reports"
    landing_dir, work = Path(landing).resolve(), str(paths.work)
    with refresh_run(paths, landing_dir, get_run_logger(),
                     flow_run_id=str(flow_run_context.get_id() or "")) as run:
        parse_in_background(Path(work))  # needed from the freshness step on; started now
        loaded = run.step("load", load_drops, str(landing_dir), work)
        fresh = run.step("freshness", freshness, work)  # stale data: a warning only
        linked = run.step("link", link_caf, work, str(paths.directory),
                          bool(loaded.drops_loaded))
        built = run.step("build", build, work)
        # the gate: a failed expectation stops the run here, nothing is published
        validation = run.step("validate", validate, work, str(paths.gx_root))
        published = run.step("publish", publish_step, str(paths.published), run.run_id)
        docs = run.step("docs", publish_docs, str(paths.published))
        reports_made = run.step("report", render_reports, str(paths.published),
                                str(reports_dir))
    return run.summary(loaded=loaded, freshness=fresh, linkage=linked, build=built,
                       validation=validation, published=published, docs=docs,
                       reports=reports_made)
