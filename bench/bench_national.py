"""National-scale benchmark: every English council on one machine.

    .venv/bin/python bench/bench_national.py --la-count 152 --years 10

Steps, each in its own process so its peak memory is its own:
1. generate: `csc generate` for N LAs x Y financial years ending 31 March 2014, one final
   snapshot drop (a full extract, as the contract says);
2. bare scan: `select count(*) from read_csv(...)` over every file of that drop (the floor
   the targets are set against; DuckDB answers it without materialising any column), and
   a bare copy of every file into a DuckDB file, all columns as text (the floor of storing
   the data at all);
3. full refresh: `csc refresh` into an empty warehouse (load, link, dbt build, GX gate,
   publish, report);
4. dashboard queries on the full refresh's published file, read-only as a BI tool opens
   it: one measure for one LA across periods, one period across all LAs, one LA beside its
   region and England; median and 95th percentile over --runs runs each;
5. nightly increments (csc.generate.nights): a realistic night, one new drop dated the next
   day holding one day's new records for every LA and the day's updates to open records,
   then `csc refresh`; then a stress night on top of it, the next day's drop with 0.5% of
   all records changed (a coded field set to another valid code), then `csc refresh`.

6. the demo's refresh (bench_demo_refresh.py): a fresh demo landing, `csc refresh` timed
   from process start to the summary (`--no-demo` skips it).

Prints rows, wall seconds and peak memory (largest resident set, MiB) for each step, then
one line per target of issue 22 with the figure, the ratio and met / not met: the full
refresh as a multiple of the bare copy (the target) and of the bare scan (both floors), each
night as a share of the full refresh, peak memory, the dashboard queries' p95, and the demo
refresh against 45 s; and the machine's load average at the start and the end of the run
(the figures of a shared machine are not a quiet one's).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
from bench_demo_refresh import build_nodes, generate_demo, load_average, timed_refresh
from bench_load import (  # the same floors as the loader benchmark
    bare_copy_seconds,
    bare_count_seconds,
)

from csc.config import warehouse_paths
from csc.generate.nights import realistic_night, stress_night
from csc.load import find_drops

CSC = [sys.executable, "-m", "csc.cli"]
# Runs a command and prints the peak resident set of its process tree (KiB) as JSON.
MEASURED = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
rc = subprocess.run(sys.argv[1:]).returncode
print(json.dumps({"rc": rc, "seconds": time.perf_counter() - t,
                  "peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""
TIMES = re.compile(r"Time:\s+(.*)")
BUILD = re.compile(r"dbt build:\s+(.*)")
CARRIED = re.compile(r"records of [\d,]+ of [\d,]+ children computed on \S+, the rest carried "
                     r"from [\d-]+")
# Issue 22's targets.
TARGETS = {"refresh_vs_copy": 10.0, "peak_gib": 8.0, "realistic_share": 0.05,
           "stress_share": 0.25, "query_p95_ms": 50.0}


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "NOT met"


def night_line(night: str, seconds: float, full_seconds: float) -> str:
    share = seconds / full_seconds
    target = TARGETS[f"{night}_share"]
    return (f"  {night} night: {seconds:,.1f} s = {100 * share:.1f}% of the full refresh "
            f"({full_seconds:,.1f} s) (target <= {100 * target:.0f}%): {verdict(share, target)}")


@dataclass
class Step:
    label: str
    seconds: float
    peak_mib: float
    rows: int | None = None
    detail: str = ""

    def line(self) -> str:
        rows = f"{self.rows:,} rows, " if self.rows is not None else ""
        rate = (f" ({self.rows / self.seconds:,.0f} rows/s)"
                if self.rows and self.seconds else "")
        extra = f"\n    {self.detail}" if self.detail else ""
        memory = (f", peak memory {self.peak_mib:,.0f} MiB" if self.peak_mib
                  else " (in this process; memory not measured)")
        return f"{self.label}: {rows}{self.seconds:,.1f} s{rate}{memory}{extra}"


def measured(cmd: list[str], log: Path) -> tuple[float, float, str]:
    """Run `cmd` (output to `log`); return (seconds, peak MiB, output). Fails loudly."""
    with log.open("w") as fh:
        done = subprocess.run([sys.executable, "-c", MEASURED, *cmd], stdout=subprocess.PIPE,
                              stderr=fh, text=True)
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1])
    output = "\n".join(lines[:-1]) + "\n" + log.read_text()
    if result["rc"] != 0:
        sys.exit(f"{' '.join(cmd)} failed (rc {result['rc']}); see {log}:\n{output[-3000:]}")
    return result["seconds"], result["peak_kib"] / 1024, output


def drop_files(drop: Path) -> list[Path]:
    return sorted(drop.rglob("*.csv"))


def refresh_detail(output: str) -> str:
    """The flow's own step times and what its dbt build did (full, incremental, skipped)."""
    parts = []
    if build := BUILD.findall(output):
        carried = CARRIED.findall(output)
        parts.append(f"dbt build: {build[-1]}" + (f", {carried[-1]}" if carried else ""))
    if found := TIMES.findall(output):
        parts.append(f"flow time: {found[-1]}")
    return "; ".join(parts)


def nodes_detail(since: float) -> str:
    """The dbt build's nodes' own seconds by kind and its five slowest nodes, from the
    run_results.json a build wrote after `since` (epoch seconds); '' when none."""
    slowest, kinds = build_nodes(since, count=5)
    if not kinds:
        return ""
    return ("\n    dbt nodes' own seconds: "
            + ", ".join(f"{kind} {seconds:,.1f} s" for kind, seconds in kinds.items())
            + "; slowest: " + ", ".join(f"{name} {seconds:,.1f} s" for name, seconds in slowest))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def dashboard_latency(published: Path, runs: int) -> list[tuple[str, float, float]]:
    """(query, median ms, p95 ms) of the queries a dashboard sends, on a read-only file."""
    with duckdb.connect(str(published), read_only=True) as con:
        las = [r[0] for r in con.execute(
            "select distinct la_code from marts.measure_values order by 1").fetchall()]
        measures = [r[0] for r in con.execute(
            "select measure_id from marts.measure_catalogue order by 1").fetchall()]
        periods = [r[0] for r in con.execute(
            "select distinct reporting_period from marts.measure_values order by 1").fetchall()]
        queries = {
            "one measure, one LA, across periods": (
                """select reporting_period, value, direction from marts.measure_values
                   where la_code = $1 and measure_id = $2 and breakdown_by is null
                   order by window_end""",
                lambda i: [las[i % len(las)], measures[i % len(measures)]]),
            "one period, one measure, across all LAs": (
                """select la_code, value from marts.measure_values
                   where measure_id = $1 and reporting_period = $2 and breakdown_by is null
                   order by value""",
                lambda i: [measures[i % len(measures)], periods[-1 - i % 4]]),
            "one LA beside its region and England": (
                """select measure_id, comparison_value, region_value, england_value,
                          compared_with_england
                   from marts.measure_benchmarks
                   where la_code = $1 and reporting_period = $2""",
                lambda i: [las[i % len(las)], periods[-1 - i % 4]]),
        }
        results = []
        for label, (sql, params) in queries.items():
            con.execute(sql, params(0)).fetchall()  # warm: the first read pages the file in
            times = []
            for i in range(runs):
                started = time.perf_counter()
                con.execute(sql, params(i)).fetchall()
                times.append((time.perf_counter() - started) * 1000)
            results.append((label, statistics.median(times), percentile(times, 0.95)))
    return results


def nightly_increment(landing: Path, warehouse: Path, logs: Path, night: str = "stress"
                      ) -> Step:
    """Write the next day's drop (`night`: "realistic" or "stress", csc.generate.nights)
    and refresh onto it."""
    dates = find_drops(landing)
    new_date = date.fromisoformat(dates[-1]) + timedelta(days=1)
    make = realistic_night if night == "realistic" else stress_night
    changes = make(landing / dates[-1], landing / new_date.isoformat(), new_date,
                   np.random.default_rng(len(dates)))
    refresh = CSC + ["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]
    since = time.time()
    seconds, peak, out = measured(refresh, logs / f"refresh-{night}-night.log")
    return Step(f"nightly increment, {night} night", seconds, peak, changes.rows,
                f"{changes.added:,} records added, {changes.updated:,} changed "
                f"({100 * changes.changed / changes.rows:.2f}%); " + refresh_detail(out)
                + nodes_detail(since))


def increment_only(root: Path, full_seconds: float) -> int:
    landing, warehouse = root / "landing", root / "warehouse" / "csc.duckdb"
    if not warehouse.exists():
        sys.exit(f"{warehouse}: no warehouse from a full refresh there")
    work = warehouse_paths(warehouse).work
    with duckdb.connect(str(work), read_only=True) as con:
        loaded = con.execute("select count(*) from meta.loaded_drops").fetchone()[0]
    if loaded != 1:
        sys.exit(f"{work}: {loaded} drops loaded; the increment goes onto one full refresh")
    for extra in find_drops(landing)[1:]:  # an increment written by a run that was stopped
        shutil.rmtree(landing / extra)
    load_start = load_average()
    for night in ("realistic", "stress"):
        increment = nightly_increment(landing, warehouse, root / "logs", night)
        print(increment.line(), flush=True)
        print(night_line(night, increment.seconds, full_seconds), flush=True)
    print(f"  load average at start {load_start}; at end {load_average()}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--la-count", type=int, default=152)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--runs", type=int, default=100, help="runs per dashboard query")
    ap.add_argument("--dir", type=Path, default=None, help="work folder (kept); default temp")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the landing folder already under --dir (skip generate)")
    ap.add_argument("--increment-only", type=float, metavar="FULL_SECONDS", default=None,
                    help="only the nightly increment, on the warehouse a full refresh left "
                         "under --dir; FULL_SECONDS is that refresh's time, for the share")
    ap.add_argument("--no-demo", action="store_true",
                    help="skip the demo refresh (bench_demo_refresh.py) at the end")
    args = ap.parse_args(argv)
    if args.increment_only is not None:
        if args.dir is None:
            ap.error("--increment-only needs --dir")
        return increment_only(args.dir, args.increment_only)

    root = args.dir or Path(tempfile.mkdtemp(prefix="csc-national-"))
    root.mkdir(parents=True, exist_ok=True)
    landing, warehouse = root / "landing", root / "warehouse" / "csc.duckdb"
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    first, last = date(2014 - args.years, 4, 1), date(2014, 3, 31)
    load_start = load_average()
    print(f"National benchmark: {args.la_count} LAs x {args.years} years "
          f"({first} to {last}), work folder {root}; load average {load_start}", flush=True)
    steps: list[Step] = []

    if not args.reuse:
        shutil.rmtree(landing, ignore_errors=True)
        seconds, peak, out = measured(
            CSC + ["generate", "--out", str(landing), "--la-count", str(args.la_count),
                   "--from", first.isoformat(), "--to", last.isoformat(), "--drops", "final",
                   "--workers", str(args.workers)], logs / "generate.log")
        rows = re.findall(r"([\d,]+) rows", out)
        steps.append(Step("generate", seconds, peak, int(rows[-1].replace(",", ""))
                          if rows else None))
        print(steps[-1].line(), flush=True)
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    dates = find_drops(landing)
    for extra in dates[1:]:  # a rerun: drop the increment made last time
        shutil.rmtree(landing / extra)
    final = landing / dates[0]
    files = drop_files(final)
    size_mb = sum(f.stat().st_size for f in files) / 1e6

    scan_s, scan_rows = bare_count_seconds(files)
    steps.append(Step("bare scan (count(*) over every CSV)", scan_s, 0, scan_rows,
                      f"{len(files)} files, {size_mb:,.0f} MB"))
    print(steps[-1].line(), flush=True)
    copy_s, _ = bare_copy_seconds(files, root / "bare-copy.duckdb")
    print(f"bare copy (every CSV into a DuckDB file, all columns as text): {copy_s:,.1f} s "
          f"({copy_s / scan_s:.1f}x the bare scan)", flush=True)

    refresh = CSC + ["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]
    since = time.time()
    seconds, peak, out = measured(refresh, logs / "refresh-full.log")
    full = Step("full refresh", seconds, peak, scan_rows,
                refresh_detail(out) + nodes_detail(since))
    steps.append(full)
    print(full.line(), flush=True)

    # On the full refresh's published file, before the increment: a long increment run
    # that is stopped still leaves these figures printed.
    latency = dashboard_latency(warehouse, args.runs)
    for label, median, p95 in latency:
        print(f"dashboard query, {label}: median {median:.1f} ms, p95 {p95:.1f} ms "
              f"({args.runs} runs)", flush=True)

    nights = {}
    for night in ("realistic", "stress"):
        nights[night] = nightly_increment(landing, warehouse, logs, night)
        steps.append(nights[night])
        print(nights[night].line(), flush=True)

    demo = None
    if not args.no_demo:
        generate_demo(root / "demo" / "landing")
        demo = timed_refresh(root / "demo" / "landing", root / "demo" / "warehouse" /
                             "csc.duckdb", logs / "refresh-demo.log")
        for line in demo.lines():
            print(line, flush=True)

    peak = max(steps, key=lambda s: s.peak_mib)
    peak_gib = peak.peak_mib / 1024
    worst = max(latency, key=lambda q: q[2])
    copy_x = full.seconds / copy_s
    print(f"Targets (issue 22; {args.la_count} LAs x {args.years} years):")
    print(f"  full refresh: {full.seconds:,.1f} s = {copy_x:,.1f}x the bare copy "
          f"({copy_s:,.1f} s, floor), {full.seconds / scan_s:,.1f}x the bare scan "
          f"({scan_s:,.1f} s, floor) (target <= {TARGETS['refresh_vs_copy']:.0f}x the bare "
          f"copy): {verdict(copy_x, TARGETS['refresh_vs_copy'])}")
    for night, step in nights.items():
        print(night_line(night, step.seconds, full.seconds))
    print(f"  peak memory: {peak_gib:,.2f} GiB ({peak.label}) = "
          f"{peak_gib / TARGETS['peak_gib']:.2f}x the target (target < "
          f"{TARGETS['peak_gib']:.0f} GiB): {verdict(peak_gib, TARGETS['peak_gib'])}")
    print(f"  dashboard queries: p95 {worst[2]:.1f} ms at worst ({worst[0]}) = "
          f"{worst[2] / TARGETS['query_p95_ms']:.2f}x the target (target < "
          f"{TARGETS['query_p95_ms']:.0f} ms): {verdict(worst[2], TARGETS['query_p95_ms'])}")
    if demo is not None:
        print("  " + demo.target_line().split(" (load average")[0])
    print(f"  load average at start {load_start}; at end {load_average()}")
    print(f"Published file: {warehouse} ({warehouse.stat().st_size / 1e6:,.0f} MB)")
    if args.dir is None:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
