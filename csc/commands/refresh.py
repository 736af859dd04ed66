"""`csc refresh`: run the nightly flow once, showing each step as it goes."""

from __future__ import annotations

import argparse
import atexit
import os
import time
from datetime import datetime
from pathlib import Path

from csc.commands.options import add_reports, add_warehouse
from csc.config import stale_after_days, warehouse_paths


def register(sub: argparse._SubParsersAction) -> None:
    ref = sub.add_parser("refresh", help="run the nightly flow once",
                         description="Load every drop not yet loaded, build, validate, "
                                     "publish and render the reports. Exit 0 on success; "
                                     "otherwise 1 with the reason, and the published "
                                     "warehouse is untouched.")
    ref.add_argument("--landing", required=True, help="folder holding the extract drops")
    add_warehouse(ref)
    add_reports(ref)
    ref.add_argument("--stale-after-days", type=int, default=None, metavar="DAYS",
                     help="warn when the newest extract loaded is more than DAYS days old "
                          "(default: $CSC_STALE_AFTER_DAYS or 2; docs/operations.md)")
    ref.add_argument("--verbose", action="store_true",
                     help="also show Prefect's own log lines on the console")
    ref.set_defaults(func=run)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 90 else f"{int(value // 60)} min {value % 60:.0f} s"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if args.stale_after_days is not None:
        try:
            days = stale_after_days(args.stale_after_days)
        except ValueError as exc:
            err.print(f"csc refresh: {exc}", markup=False)
            return 2
        # Through the environment, so every step and every dbt call sees the same one.
        os.environ["CSC_STALE_AFTER_DAYS"] = str(days)
    if not args.verbose:
        # Prefect's console lines would interleave with the progress below; they still go
        # to the Prefect server and to the run's log file.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    # With no Prefect server configured, start the temporary one now, so that it comes up
    # while the flow's imports run (csc.prefect_server).
    from csc.prefect_server import start_temporary_server

    server = start_temporary_server()
    if server is not None:
        # Stopped at exit, after Prefect's own exit handlers (registered later, so run
        # earlier) have sent the run's last logs and events to it.
        atexit.register(server.stop)
    return _refresh(args, out, err, server)


def _refresh(args: argparse.Namespace, out, err, server) -> int:
    # The flow imports Prefect, dbt and GX: only when a refresh runs.
    from flows.nightly_refresh import (
        STEP_TITLES,
        RefreshFailed,
        add_progress_listener,
        nightly_refresh,
        remove_progress_listener,
    )

    paths = warehouse_paths(args.warehouse)
    landing = Path(args.landing).resolve()
    # dbt's parse of the project (7 s quiet) runs while Prefect's server comes up.
    from csc.build import parse_in_background

    parse_in_background(paths.work)
    out.print(f"Refreshing [bold]{paths.published}[/] from {landing}")

    def show(event) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        title = STEP_TITLES.get(event.step, event.step)
        took = f" ({_seconds(event.seconds)})" if event.seconds is not None else ""
        if event.phase == "started":
            out.print(f"[dim]{stamp}[/] ▶ {title} ...")
        elif event.phase == "finished":
            out.print(f"[dim]{stamp}[/] [green]✓[/] {title}{took}: {event.detail}")
        elif event.phase == "failed":
            out.print(f"[dim]{stamp}[/] [red]✗ {title} failed[/]{took}")
        elif event.phase == "retrying":
            out.print(f"[dim]{stamp}[/] [yellow]↻ {title}: retrying ({event.detail})[/]")
        else:
            out.print(f"[dim]{stamp}[/]   {title}: {event.detail}")

    add_progress_listener(show)
    started = time.monotonic()
    try:
        if server is not None:
            server.wait_ready()
        summary = nightly_refresh(landing=str(landing), warehouse=str(paths.published),
                                  reports=args.reports)
    except RefreshFailed as exc:
        err.print(f"csc refresh: FAILED at the {exc.step} step: {exc.reason}", markup=False)
        if exc.step in ("docs", "report"):
            err.print(f"The warehouse {paths.published} was published; the reports were not "
                      "rendered.", markup=False)
        else:
            err.print(f"The published warehouse {paths.published} was not changed.",
                      markup=False)
        if exc.log_file:
            err.print(f"Log: {exc.log_file}", markup=False)
        return 1
    except Exception as exc:  # noqa: BLE001 - e.g. the Prefect server cannot be reached
        err.print(f"csc refresh: FAILED before the refresh could run: "
                  f"{type(exc).__name__}: {exc}", markup=False)
        err.print(f"The published warehouse {paths.published} was not changed.", markup=False)
        return 1
    finally:
        remove_progress_listener(show)

    _print_summary(out, summary, time.monotonic() - started)
    return 0


def _print_summary(out, summary, elapsed: float) -> None:
    """`summary`: the flow's RefreshSummary."""
    from flows.recorder import NO_REPORTS

    loaded, build, validation = summary.loaded, summary.build, summary.validation
    published = summary.published
    steps = ", ".join(f"{k} {_seconds(v)}" for k, v in summary.seconds.items())
    lines = [
        ("Drops loaded", f"{len(loaded.drops_loaded)} "
                         f"({', '.join(loaded.drops_loaded) or 'none new'}); "
                         f"{loaded.rows_read:,} rows read, "
                         f"{loaded.versions_added:,} record versions added"),
        ("dbt build", "skipped: nothing new since the last build" if build.skipped else
         f"{build.nodes} nodes passed ({build.plan} build)"),
        ("Freshness", f"{summary.freshness.staleness.figures_as_at()}"
                      + (" STALE" if summary.freshness.staleness.stale else "")
                      + f"; dbt source freshness: {summary.freshness.dbt_status}"),
        ("Validation", validation.summary()),
        ("Published", f"{summary.warehouse}: {published.measures} measures, "
                      f"{published.measure_rows:,} measure values, "
                      f"{len(published.tables)} tables, {published.total_rows:,} rows"),
        ("Data Docs", str(validation.data_docs or "") or "(none)"),
        ("dbt docs", str(summary.docs.path)),
        ("Report", str(summary.report_path or "") or f"not rendered ({NO_REPORTS})"),
        ("Log", str(summary.log_file)),
        ("Time", f"{_seconds(elapsed)} ({steps})"),
    ]
    for warning in summary.warnings:
        lines.append(("Warning", warning))
    for old, status in summary.stale_runs.items():
        lines.insert(0, ("Earlier run", f"{old} had not finished; marked {status}"))
    out.print(f"[bold green]Refresh {summary.run_id} succeeded.[/]")
    for label, value in lines:
        out.print(f"  {label + ':':<14}{value}", markup=False)
