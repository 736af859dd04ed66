"""Benchmark: CAF-to-RAISE linkage over many LAs.

Two populations:

- `generated` (default): the generator's own multi-LA data, `csc generate --la-count N
  --drops final` from --from (default 2008-04-01, the generator's default) to 2014-03-31,
  with its true CAF child -> RAISE person mapping. One final drop is enough: linkage reads
  the latest extract only. Pass --landing/--truth to reuse data generated earlier.
- `messy`: the linkage tests' sibling-rich population, --persons and --caf per LA.

The drop is loaded with `csc.load.load_new_drops`; then the linkage step runs as the nightly
flow's link task does (`link_caf_children` at the configured threshold, then the
clerical-review export) in a fresh process, so that its wall seconds and peak memory are
the linkage's own. Prints CAF children, RAISE persons, links by method, precision and
recall against the truth, wall and CPU seconds and peak memory.

    .venv/bin/python bench/bench_linkage.py --la-count 20
    .venv/bin/python bench/bench_linkage.py --population messy --la-count 20
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

BENCH = Path(__file__).resolve()


def _merge_drops(parts: list[Path], out: Path) -> None:
    """Concatenate the per-LA drops' files into one drop (one file per table)."""
    for first_file in sorted(parts[0].rglob("*.csv")):
        relative = first_file.relative_to(parts[0])
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("w", newline="", encoding="utf-8") as fh:
            writer = None
            for part in parts:
                with (part / relative).open(newline="", encoding="utf-8") as src:
                    reader = csv.reader(src)
                    header = next(reader)
                    if writer is None:
                        writer = csv.writer(fh)
                        writer.writerow(header)
                    writer.writerows(reader)


def write_messy(root: Path, las: int, persons: int, caf: int) -> tuple[Path, Path]:
    """The linkage tests' population for `las` LAs as one drop; returns landing, truth."""
    sys.path.insert(0, str(BENCH.parent.parent / "tests" / "linkage"))
    from messy_caf import write_messy_drop, write_truth

    truth, parts = [], []
    for i in range(las):
        la_code = str(800 + i)
        part = root / "parts" / la_code
        truth += write_messy_drop(part, n_persons=persons, n_caf=caf, seed=i, la_code=la_code)
        parts.append(part / "2014-04-14")
    _merge_drops(parts, root / "landing" / "2014-04-14")
    return root / "landing", write_truth(root / "truth.csv", truth)


def write_generated(root: Path, las: int, first: date, workers: int) -> tuple[Path, Path]:
    """`csc generate --la-count las --drops final --from first`; returns landing, truth."""
    from csc.generate import generate, la_codes

    generate(root / "landing", la_codes(las), first, date(2014, 3, 31), drops="final",
             truth=root / "truth", workers=workers)
    return root / "landing", root / "truth" / "caf_child_person.csv"


def link_as_the_nightly_flow_does(work_db: Path, truth: Path) -> dict:
    """What flows/nightly_refresh.py's link task does (without Prefect): link at the
    configured threshold with the decisions file beside the warehouse, then write the
    clerical-review list. Measured in this process: seconds and peak memory."""
    from csc.linkage import (
        LinkageConfig,
        export_clerical_review,
        link_caf_children,
        linkage_match_threshold,
    )

    linkage_dir = work_db.parent / "linkage"
    started, cpu_started = time.monotonic(), _cpu_seconds()
    result = link_caf_children(work_db, LinkageConfig(match_threshold=linkage_match_threshold()),
                               decisions_file=linkage_dir / "decisions.csv", truth_file=truth)
    review = export_clerical_review(work_db, linkage_dir / "clerical_review.csv")
    return {"caf_children": result.caf_children, "links": result.links,
            "by_method": result.links_by_method, "review_pairs": review,
            "precision": result.precision, "recall": result.recall,
            "batches": result.batches, "batches_linked": result.batches_linked,
            "seconds": time.monotonic() - started,
            "cpu_seconds": _cpu_seconds() - cpu_started,
            "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def _cpu_seconds() -> float:
    """CPU time of this process, all threads (DuckDB's included): on a shared machine the
    load-independent part of the wall seconds."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--population", choices=["generated", "messy"], default="generated")
    parser.add_argument("--la-count", type=int, default=20)
    parser.add_argument("--from", dest="first", type=date.fromisoformat,
                        default=date(2008, 4, 1), help="generated: first day (2008-04-01)")
    parser.add_argument("--workers", type=int, default=2, help="generated: build processes")
    parser.add_argument("--persons", type=int, default=10000, help="messy: persons per LA")
    parser.add_argument("--caf", type=int, default=3000, help="messy: CAF children per LA")
    parser.add_argument("--landing", type=Path, help="reuse drops generated earlier")
    parser.add_argument("--truth", type=Path, help="with --landing: their truth file")
    parser.add_argument("--out", type=Path, help="work folder (default: a temporary one)")
    parser.add_argument("--loaded", type=Path,
                        help="link this work database loaded by an earlier run (with --truth)")
    parser.add_argument("--link-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.link_only:  # the child process: link a loaded work database
        print(json.dumps(link_as_the_nightly_flow_does(args.link_only, args.truth)))
        return 0

    if args.loaded:
        _link_and_print(args.loaded, args.truth)
        return 0
    root = args.out or Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    root.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    if args.landing:
        landing, truth = args.landing, args.truth
    elif args.population == "generated":
        landing, truth = write_generated(root, args.la_count, args.first, args.workers)
    else:
        landing, truth = write_messy(root, args.la_count, args.persons, args.caf)
    if args.landing:
        print(f"data: the drops in {landing}", flush=True)
    else:
        print(f"data: {args.population}, {args.la_count} LAs"
              + (f" from {args.first}" if args.population == "generated" else "")
              + f"; written in {time.monotonic() - started:.0f} s", flush=True)

    from csc.load import load_new_drops
    from csc.workdb import prepare_work_db

    work_db = prepare_work_db(root / "warehouse" / "work.duckdb")
    started = time.monotonic()
    load_new_drops(landing, work_db)
    print(f"loaded in {time.monotonic() - started:.0f} s", flush=True)
    _link_and_print(work_db, truth)
    return 0


def _link_and_print(work_db: Path, truth: Path) -> None:
    """Link in a fresh process (its own seconds and memory) and print the result lines."""
    import duckdb

    with duckdb.connect(str(work_db), read_only=True) as con:
        persons, las = con.execute("select count(*), count(distinct la_code) from raw.persons "
                                   "where _valid_to is null").fetchone()
    truth_args = ["--truth", str(truth)] if truth else []  # no truth: no precision, recall
    child = subprocess.run([sys.executable, str(BENCH), "--link-only", str(work_db),
                            *truth_args], check=True, capture_output=True, text=True)
    r = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"LAs: {las}; RAISE persons: {persons}; CAF children: {r['caf_children']}; "
          f"batches: {r['batches_linked']} linked of {r['batches']}")
    print(f"links: {r['links']} {r['by_method']}; clerical review pairs: {r['review_pairs']}")
    print(f"precision: {r['precision']}; recall: {r['recall']}")
    print(f"linkage seconds: {r['seconds']:.1f} wall, {r['cpu_seconds']:.1f} CPU; "
          f"peak memory: {r['peak_mib']:.0f} MB")


if __name__ == "__main__":
    sys.exit(main())
