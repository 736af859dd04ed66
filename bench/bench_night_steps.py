"""Side by side, on one machine and one night: validate, publish and render reports whole
(as before incremental nights) against scoped to what changed.

    python bench/bench_night_steps.py LAST NOW [--repeat 2]

LAST: a warehouse folder as the previous night left it (its published file, gx/ record,
docs site and reports beside it); NOW: the same warehouse after tonight's load and build (its work
database is validated and published). Each run works on private copies under a temporary
folder, so neither folder changes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from csc.config import warehouse_paths
from csc.publish import publish_warehouse
from csc.report import render_changed_reports, render_report, report_la_codes
from csc.validate import validate_build
from csc.validate.scope import record_path


def _prepare(last: Path, now: Path, into: Path) -> Path:
    """`into`/warehouse: NOW's work database beside LAST's published file, gx record and
    reports (the state just before tonight's validate step)."""
    shutil.rmtree(into, ignore_errors=True)
    (into / "warehouse").mkdir(parents=True)
    shutil.copyfile(now / "warehouse" / "csc.work.duckdb", into / "warehouse" / "csc.work.duckdb")
    shutil.copyfile(last / "warehouse" / "csc.duckdb", into / "warehouse" / "csc.duckdb")
    if record_path(last / "warehouse").is_file():
        record_path(into / "warehouse").parent.mkdir(parents=True)
        shutil.copyfile(record_path(last / "warehouse"), record_path(into / "warehouse"))
    if (last / "warehouse" / "docs").is_dir():  # the reports link to the docs site
        shutil.copytree(last / "warehouse" / "docs", into / "warehouse" / "docs")
    if (last / "reports").is_dir():
        shutil.copytree(last / "reports", into / "reports")
    return into / "warehouse" / "csc.duckdb"


def _timed(results: dict[str, list[float]], label: str, fn, *args, **kwargs):
    started = time.monotonic()
    value = fn(*args, **kwargs)
    results.setdefault(label, []).append(time.monotonic() - started)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("last", type=Path)
    parser.add_argument("now", type=Path)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for _ in range(args.repeat):
            for mode in ("whole", "scoped"):
                published = _prepare(args.last, args.now, root / mode)
                paths = warehouse_paths(published)
                scoped = mode == "scoped"
                validation = _timed(results, f"validate, {mode}", validate_build,
                                    paths.work, paths.gx_root, scoped=scoped)
                publication = _timed(results, f"publish, {mode}", publish_warehouse, paths,
                                     incremental=scoped)
                las = report_la_codes(published)
                reports = root / mode / "reports"
                if scoped:
                    made = _timed(results, "report, scoped", render_changed_reports,
                                  published, las, reports)
                    rendered = sum(f.rendered for f in made)
                else:
                    for la in las:
                        _timed(results, "report, whole (per LA)", render_report, published,
                               None, la, reports)
                    rendered = len(las)
                print(f"{mode}: validation {validation.summary()}, "
                      f"{len(validation.carried)} carried, {len(validation.scoped)} scoped; "
                      f"publish {publication.mode}, {len(publication.replaced)} of "
                      f"{len(publication.rows)} tables written; {rendered} of {len(las)} "
                      f"LA(s) rendered", flush=True)
    print(f"load average {os.getloadavg()[0]:.1f}")
    for label, seconds in results.items():
        print(f"{label}: " + ", ".join(f"{s:.1f} s" for s in seconds))


if __name__ == "__main__":
    main()
