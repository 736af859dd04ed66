"""Benchmark: CAF-to-RAISE linkage over many LAs.

Writes a messy population per LA (the linkage tests' generator) as one drop, loads it,
links it, and prints rows, seconds, peak memory, precision and recall.

    .venv/bin/python bench/bench_linkage.py --las 20 --persons 10000 --caf 3000
"""

from __future__ import annotations

import argparse
import csv
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "linkage"))

from messy_caf import write_messy_drop, write_truth  # noqa: E402

from csc.linkage import link_caf_children  # noqa: E402
from csc.load import load_new_drops  # noqa: E402


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--las", type=int, default=20)
    parser.add_argument("--persons", type=int, default=10000, help="RAISE persons per LA")
    parser.add_argument("--caf", type=int, default=3000, help="CAF children per LA")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench-linkage-"))
    truth, parts = [], []
    for i in range(args.las):
        la_code = str(800 + i)
        part = root / "parts" / la_code
        truth += write_messy_drop(part, n_persons=args.persons, n_caf=args.caf, seed=i,
                                  la_code=la_code)
        parts.append(part / "2014-04-14")
    _merge_drops(parts, root / "landing" / "2014-04-14")
    load_new_drops(root / "landing", root / "work.duckdb")

    started = time.monotonic()
    result = link_caf_children(root / "work.duckdb",
                               truth_file=write_truth(root / "truth.csv", truth))
    seconds = time.monotonic() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"LAs: {args.las}; RAISE persons: {args.las * args.persons}; "
          f"CAF children: {result.caf_children}")
    print(f"links: {result.links} {result.links_by_method}; clerical review pairs: "
          f"{result.review_pairs}")
    print(f"precision: {result.precision}; recall: {result.recall}")
    print(f"linkage seconds: {seconds:.1f}; peak memory: {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
