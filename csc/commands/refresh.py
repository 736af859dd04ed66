"""`csc refresh`: run the nightly flow once."""

from __future__ import annotations

import argparse
import importlib.util
import sys
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
                         description="Load every drop not yet loaded, build, validate and "
                                     "publish. Exit 0 on success; otherwise non-zero and the "
                                     "published warehouse is untouched.")
    ref.add_argument("--landing", required=True, help="folder holding the extract drops")
    ref.add_argument("--warehouse", default=None,
                     help="published DuckDB file (default: $CSC_WAREHOUSE or warehouse/csc.duckdb)")
    ref.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    module = load_flow_module()
    paths = warehouse_paths(args.warehouse)
    print(f"Refreshing {paths.published} from {args.landing} ...", flush=True)
    try:
        summary = module.nightly_refresh(landing=str(Path(args.landing).resolve()),
                                         warehouse=str(paths.published))
    except module.RefreshFailed as exc:
        print(f"csc refresh: FAILED: {exc}", file=sys.stderr)
        print(f"The published warehouse {paths.published} was not changed.", file=sys.stderr)
        return 1
    loaded = summary["loaded"]
    print(f"Drops loaded: {len(loaded['drops'])} ({', '.join(loaded['drops']) or 'none new'}); "
          f"rows read: {loaded['rows']}")
    print(f"Validation: {summary['validation']['summary']}")
    print(f"Data Docs: {summary['validation']['data_docs']}")
    print(f"Published: {paths.published}")
    print(f"Time: {sum(summary['seconds'].values()):.1f}s {summary['seconds']}")
    return 0
