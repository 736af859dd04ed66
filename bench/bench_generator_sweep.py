"""Sweep `csc generate` over seeds x LA counts x windows x cadences and check every drop.

    .venv/bin/python bench/bench_generator_sweep.py
    .venv/bin/python bench/bench_generator_sweep.py --seeds 1 2 3 --la-counts 1 3 5

For each configuration it writes the drops to a temporary folder, runs every check of the
loader on each drop (csc.load.checks.check_drop, what `csc refresh` runs before loading;
nothing is merged) and prints: drops written, rows, problems found (must be 0), dates
later than the extract date of the drop holding them (must be 0: the loader tolerates up
to a year, the generator none) and seconds (generation and checks). Windows run from the
2000s to the 2020s; a nightly run covers the window's last month (a drop a day). LAs are
small (1,000 to 2,000 contacts a year) unless --real-sizes. Exits 1 if any drop has a
problem or a later date.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

WINDOWS = {
    "2003-06": (date(2003, 4, 1), date(2006, 3, 31)),
    "2010-13": (date(2010, 4, 1), date(2013, 3, 31)),
    "2021-24": (date(2021, 4, 1), date(2024, 3, 31)),
}
CADENCES = ["final", "quarterly", "monthly", "nightly"]


def check(landing: Path, drops: list[Path]) -> tuple[list, int]:
    """The loader's problems in the drops, and how many dates lie after the extract date
    of the drop holding them (the loader tolerates a year; the generator none)."""
    import duckdb

    from csc.contract import load_contract
    from csc.load.checks import check_drop, drop_staged, ident

    contract = load_contract()
    problems, later = [], 0
    with duckdb.connect() as con:
        for drop in drops:
            checked = check_drop(con, landing, drop.name, contract)
            problems += checked.problems
            for staged in checked.files.values():
                dates = [c.name for c in staged.table.columns if c.type == "date"]
                if staged.staged and dates:
                    later += con.execute(
                        f"select count(*) from {staged.staged} where "
                        + " or ".join(f"{ident(d)} > ?" for d in dates),
                        [drop.name] * len(dates)).fetchone()[0]
            drop_staged(con, checked)
    return problems, later


def main(argv: list[str] | None = None) -> int:
    from csc.generate import generate, la_codes

    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--la-counts", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--windows", nargs="+", default=list(WINDOWS), choices=list(WINDOWS))
    ap.add_argument("--cadences", nargs="+", default=CADENCES, choices=CADENCES)
    ap.add_argument("--real-sizes", action="store_true",
                    help="LA sizes as csc generate draws them (~1,000-30,000 contacts a year)")
    args = ap.parse_args(argv)
    print(f"{'seed':>4} {'las':>3} {'window':>7} {'cadence':>9} {'drops':>5} {'rows':>10} "
          f"{'problems':>8} {'later':>5} {'seconds':>7}", flush=True)
    failed = 0
    totals = [0, 0, 0, 0.0]
    for seed in args.seeds:
        for la_count in args.la_counts:
            for window in args.windows:
                for cadence in args.cadences:
                    first, last = WINDOWS[window]
                    if cadence == "nightly":
                        first = last - timedelta(days=30)
                    sizes = None if args.real_sizes else [
                        1000.0 + 1000.0 * ((seed * 7 + i * 3) % 10) / 10
                        for i in range(la_count)]
                    out = Path(tempfile.mkdtemp(prefix="csc-sweep-"))
                    try:
                        started = time.perf_counter()
                        result = generate(out, la_codes(la_count), first, last, cadence,
                                          seed=seed, sizes=sizes, workers=1)
                        problems, later = check(out, result.drops)
                        seconds = time.perf_counter() - started
                    finally:
                        shutil.rmtree(out, ignore_errors=True)
                    print(f"{seed:>4} {la_count:>3} {window:>7} {cadence:>9} "
                          f"{len(result.drops):>5} {result.rows:>10,} {len(problems):>8} "
                          f"{later:>5} {seconds:>7.1f}", flush=True)
                    for problem in problems[:5]:
                        print(f"     {problem.public()}", flush=True)
                    failed += bool(problems) or bool(later)
                    totals[0] += len(result.drops)
                    totals[1] += result.rows
                    totals[2] += len(problems) + later
                    totals[3] += seconds
    print(f"all: {totals[0]:,} drops, {totals[1]:,} rows, {totals[2]} problems or later dates, "
          f"{totals[3]:.0f}s; configurations with problems: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
