"""`csc serve`: run the nightly refresh on a schedule with a Prefect server.

Registers the deployment `nightly_refresh/nightly` (cron, default 02:00 Europe/London) with
the Prefect server at PREFECT_API_URL, then serves it: this process waits for the scheduled
runs and runs each in a subprocess (Prefect's `flow.serve`; no work pool or worker needed).
Keep it running under systemd or similar. `--register-only` registers (or updates) the
deployment and exits: the schedule then waits for a process serving it.

On a machine without a Prefect server, run `csc refresh` from cron or a systemd timer
instead (docs/operations.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from csc.commands.options import add_reports, add_warehouse
from csc.config import DEFAULT_LANDING, PROJECT_DIR, warehouse_paths

DEPLOYMENT_NAME = "nightly"
ENTRYPOINT = "flows/nightly_refresh.py:nightly_refresh"
DEFAULT_CRON = "0 2 * * *"
DEFAULT_TIMEZONE = "Europe/London"


def register(sub: argparse._SubParsersAction) -> None:
    srv = sub.add_parser(
        "serve", help="run the nightly refresh on a schedule with a Prefect server",
        description="Register the nightly refresh as a Prefect deployment with a cron "
                    "schedule on the server at PREFECT_API_URL, and serve it (this process "
                    "runs the scheduled refreshes; stop it with Ctrl-C).")
    srv.add_argument("--cron", default=DEFAULT_CRON,
                     help=f"when to run, as a cron line (default: '{DEFAULT_CRON}', 02:00)")
    srv.add_argument("--timezone", default=DEFAULT_TIMEZONE,
                     help=f"time zone of the cron line (default: {DEFAULT_TIMEZONE})")
    srv.add_argument("--landing", default=str(DEFAULT_LANDING),
                     help="folder holding the extract drops (default: landing)")
    add_warehouse(srv)
    add_reports(srv)
    srv.add_argument("--name", default=DEPLOYMENT_NAME,
                     help=f"deployment name (default: {DEPLOYMENT_NAME})")
    srv.add_argument("--register-only", action="store_true",
                     help="register or update the deployment and exit, without serving it")
    srv.set_defaults(func=run)


def build_deployment(args: argparse.Namespace):
    """The Prefect RunnerDeployment for the nightly flow, loaded from the repository (its
    entrypoint is a file path, so the runs use the dbt project beside it)."""
    from prefect import flow
    from prefect.schedules import Cron

    parameters = {
        "landing": str(Path(args.landing).resolve()),
        "warehouse": str(warehouse_paths(args.warehouse).published),
        "reports": str(Path(args.reports).resolve()) if args.reports else None,
    }
    nightly = flow.from_source(source=str(PROJECT_DIR), entrypoint=ENTRYPOINT)
    return nightly.to_deployment(
        name=args.name,
        schedules=[Cron(args.cron, timezone=args.timezone)],
        parameters=parameters,
        concurrency_limit=1,
        description="Nightly refresh of the children's social care warehouse: load new "
                    "drops, dbt build, validate, publish, render reports.",
        tags=["csc", "nightly"],
    )


def run(args: argparse.Namespace) -> int:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        print("csc serve: PREFECT_API_URL is not set. Start a server with `prefect server "
              "start` and set PREFECT_API_URL=http://127.0.0.1:4200/api (see "
              "docs/operations.md), or run `csc refresh` from cron instead.", file=sys.stderr)
        return 2
    import flows.nightly_refresh  # noqa: F401 - fail here, clearly, if the flow cannot be imported
    try:
        deployment = build_deployment(args)
        deployment_id = deployment.apply()
    except Exception as exc:  # noqa: BLE001 - e.g. the server cannot be reached
        print(f"csc serve: could not register the deployment with {PREFECT_API_URL.value()}: "
              f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(f"Registered deployment nightly_refresh/{args.name} ({deployment_id}) on "
          f"{PREFECT_API_URL.value()}: cron '{args.cron}' ({args.timezone}); landing "
          f"{deployment.parameters['landing']}, warehouse {deployment.parameters['warehouse']}",
          flush=True)
    if args.register_only:
        print("Not serving (--register-only): runs start once a `csc serve` process is "
              "running for this deployment.")
        return 0
    from prefect import serve

    print(f"Serving (process {os.getpid()}); stop with Ctrl-C.", flush=True)
    serve(deployment, print_starting_message=False)
    return 0
