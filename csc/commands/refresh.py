"""`csc refresh`: run the nightly flow once, showing each step as it goes."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from csc.config import PROJECT_DIR, warehouse_paths


def load_flow_module():
    """The Prefect flows live in the repository's flows/ folder (Prefect entrypoints are
    file paths), beside the dbt project they run."""
    path = PROJECT_DIR / "flows" / "nightly_refresh.py"
    spec = importlib.util.spec_from_file_location("csc_flows_nightly_refresh", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot find the nightly flow at {path}")
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def register(sub: argparse._SubParsersAction) -> None:
    ref = sub.add_parser("refresh", help="run the nightly flow once",
                         description="Load every drop not yet loaded, build, validate, "
                                     "publish and render the reports. Exit 0 on success; "
                                     "otherwise 1 with the reason, and the published "
                                     "warehouse is untouched.")
    ref.add_argument("--landing", required=True, help="folder holding the extract drops")
    ref.add_argument("--warehouse", default=None,
                     help="published DuckDB file (default: $CSC_WAREHOUSE or warehouse/csc.duckdb)")
    ref.add_argument("--reports", default=None,
                     help="folder for the rendered reports (default: reports/ beside the "
                          "warehouse folder)")
    ref.add_argument("--verbose", action="store_true",
                     help="also show Prefect's own log lines on the console")
    ref.set_defaults(func=run)


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value < 90 else f"{int(value // 60)} min {value % 60:.0f} s"


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if not args.verbose:
        # Prefect's console lines would interleave with the progress below; they still go
        # to the Prefect server and to the run's log file.
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    module = load_flow_module()
    paths = warehouse_paths(args.warehouse)
    landing = Path(args.landing).resolve()
    out.print(f"Refreshing [bold]{paths.published}[/] from {landing}")

    def show(event) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        title = module.STEP_TITLES.get(event.step, event.step)
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

    module.add_progress_listener(show)
    started = time.monotonic()
    try:
        summary = module.nightly_refresh(landing=str(landing), warehouse=str(paths.published),
                                         reports=args.reports)
    except module.RefreshFailed as exc:
        err.print(f"csc refresh: FAILED at the {exc.step} step: {exc.reason}", markup=False)
        if exc.step == "report":
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
        module.remove_progress_listener(show)

    _print_summary(out, summary, time.monotonic() - started)
    return 0


def _print_summary(out, summary: dict, elapsed: float) -> None:
    loaded, validation = summary["loaded"], summary["validation"]
    published, report = summary["published"], summary["report"]
    steps = ", ".join(f"{k} {_seconds(v)}" for k, v in summary["seconds"].items())
    lines = [
        ("Drops loaded", f"{len(loaded['drops'])} "
                         f"({', '.join(loaded['drops']) or 'none new'}); "
                         f"{loaded['rows']:,} rows read, "
                         f"{loaded['versions_added']:,} record versions added"),
        ("dbt build", "skipped: nothing new since the last build"
         if summary.get("build_skipped") else
         f"{summary['dbt_nodes']} nodes passed ({summary.get('build_plan', 'full')} build)"),
        ("Validation", validation["summary"]),
        ("Published", f"{summary['warehouse']}: {published['measures']} measures, "
                      f"{published['measure_rows']:,} measure values, "
                      f"{len(published['tables'])} tables, {published['rows']:,} rows"),
        ("Data Docs", validation["data_docs"] or "(none)"),
        ("Report", report["path"] or f"not rendered ({report.get('note', '')})"),
        ("Log", summary["log_file"]),
        ("Time", f"{_seconds(elapsed)} ({steps})"),
    ]
    for old, status in summary.get("stale_runs", {}).items():
        lines.insert(0, ("Earlier run", f"{old} had not finished; marked {status}"))
    out.print(f"[bold green]Refresh {summary['run_id']} succeeded.[/]")
    for label, value in lines:
        out.print(f"  {label + ':':<14}{value}", markup=False)
