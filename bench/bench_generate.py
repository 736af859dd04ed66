"""Benchmark `csc generate` at scale: rows written, rows per second, seconds, peak memory.

    .venv/bin/python bench/bench_generate.py --la-count 152 --years 10 --drops final

Peak memory is the largest resident set of this process and of its worker processes
(resource.getrusage), in MiB. CPU seconds (this process and its workers) say what the run
costs independently of other load on the machine.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from csc.generate import generate, la_codes

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--la-count", type=int, default=20)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--drops", default="final")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None, help="keep the drops here")
    args = ap.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="csc-bench-"))
    first = date(2014 - args.years, 4, 1)
    last = date(2014, 3, 31)
    t0 = time.perf_counter()
    result = generate(out, la_codes(args.la_count), first, last, drops=args.drops,
                      workers=args.workers,
                      progress=lambda n, rows: print(
                          f"  {n}/{args.la_count} LAs rows={rows} "
                          f"{time.perf_counter() - t0:.0f}s peak_rss_main_mib="
                          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}",
                          file=sys.stderr, flush=True))
    seconds = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak_self = own.ru_maxrss / 1024
    peak_children = workers.ru_maxrss / 1024
    cpu_self = own.ru_utime + own.ru_stime
    cpu_children = workers.ru_utime + workers.ru_stime
    size = sum(p.stat().st_size for p in out.rglob("*.csv")) / 2**20
    print(f"las={args.la_count} years={args.years} drops={args.drops} workers={args.workers}")
    print(f"rows={result.rows} seconds={seconds:.1f} rows_per_second={result.rows / seconds:,.0f}")
    print(f"peak_rss_main_mib={peak_self:.0f} peak_rss_worker_mib={peak_children:.0f} "
          f"output_mib={size:.0f}")
    # CPU time is what the run costs whatever else the machine is doing; on an idle machine
    # with as many cores as workers the wall time is about cpu_seconds / workers.
    print(f"cpu_seconds_main={cpu_self:.1f} cpu_seconds_workers={cpu_children:.1f} "
          f"rows_per_cpu_second={result.rows / (cpu_self + cpu_children):,.0f}")
    if args.out is None:
        shutil.rmtree(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
