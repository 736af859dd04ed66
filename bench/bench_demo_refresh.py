"""`make demo`'s refresh as a user waits for it: from process start to the summary.

    .venv/bin/python bench/bench_demo_refresh.py [--dir DIR] [--reuse] [--repeat N]

A fresh demo landing (`csc generate`, as `make demo` writes it: LA 808, five quarterly
drops), then `csc refresh` into an empty warehouse, started as a subprocess of its own. Each
line it prints is stamped with the seconds since the process was started, so the figure
includes everything a user waits for: Python's start, the imports, Prefect's temporary
server, every step and the summary. Prints the time to the first step, to the summary and
to exit; the flow's own step times (the summary's Time line); the dbt build's slowest nodes
(target/run_results.json of the dbt project); the machine's load average at the start and
the end; and the target of issue 22 (at most 45 s from process start to the summary, on a
quiet machine), met or not met.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

TARGET_SECONDS = 45.0
CSC = [sys.executable, "-m", "csc.cli"]
PROJECT = Path(__file__).resolve().parent.parent  # the dbt project (dbt_project.yml)


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f} (1, 5, 15 min)"


@dataclass
class DemoRefresh:
    to_first_step: float | None
    to_summary: float | None
    to_exit: float
    flow_time: str
    slowest: list[tuple[str, float]] = field(default_factory=list)
    node_seconds: dict[str, float] = field(default_factory=dict)
    load_start: str = ""
    load_end: str = ""

    def target_line(self) -> str:
        figure = self.to_summary if self.to_summary is not None else self.to_exit
        verdict = "met" if figure <= TARGET_SECONDS else "NOT met"
        return (f"demo refresh, process start to the summary: {figure:,.1f} s = "
                f"{figure / TARGET_SECONDS:.2f}x the target (target <= {TARGET_SECONDS:.0f} s "
                f"on a quiet machine): {verdict} (load average at start {self.load_start}; "
                f"at end {self.load_end})")

    def lines(self) -> list[str]:
        def fmt(value: float | None) -> str:
            return "-" if value is None else f"{value:,.1f} s"

        out = [f"demo refresh: process start to the first step {fmt(self.to_first_step)}, "
               f"to the summary {fmt(self.to_summary)}, to exit {fmt(self.to_exit)}",
               f"    flow's step times: {self.flow_time or '(no summary)'}"]
        if self.node_seconds:
            out.append("    dbt build's nodes' own seconds (2 threads): " + ", ".join(
                f"{kind} {seconds:.1f} s" for kind, seconds in self.node_seconds.items()))
        if self.slowest:
            out.append("    dbt build's slowest nodes: " + ", ".join(
                f"{name} {seconds:.1f} s" for name, seconds in self.slowest))
        return out


def generate_demo(landing: Path) -> float:
    """`csc generate` as `make demo` runs it; returns its seconds."""
    shutil.rmtree(landing, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(CSC + ["generate", "--out", str(landing)], check=True,
                   stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def build_nodes(since: float, count: int = 8
                ) -> tuple[list[tuple[str, float]], dict[str, float]]:
    """The `count` slowest nodes of the dbt build that wrote target/run_results.json after
    `since` (epoch seconds), by their own execution time, and the nodes' own seconds by
    kind (model, test, unit_test, seed); ([], {}) when no such file."""
    results = PROJECT / "target" / "run_results.json"
    if not results.is_file() or results.stat().st_mtime < since:
        return [], {}
    data = json.loads(results.read_text())
    if data.get("args", {}).get("which") != "build":
        return [], {}
    nodes, kinds = [], {}
    for r in data.get("results", []):
        kind, _, name = r["unique_id"].partition(".")
        seconds = float(r.get("execution_time") or 0)
        nodes.append((name.split(".")[-1] if kind in ("model", "seed") else name, seconds))
        kinds[kind] = kinds.get(kind, 0.0) + seconds
    return sorted(nodes, key=lambda n: -n[1])[:count], kinds


def timed_refresh(landing: Path, warehouse: Path, log: Path) -> DemoRefresh:
    """`csc refresh` into an empty warehouse as a subprocess, each output line stamped."""
    shutil.rmtree(warehouse.parent, ignore_errors=True)
    shutil.rmtree(warehouse.parent.parent / "reports", ignore_errors=True)
    load_start = load_average()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}  # every line as it is printed
    wall_start = time.time()
    started = time.perf_counter()
    first = summary = None
    flow_time = ""
    with log.open("w") as fh, subprocess.Popen(
            CSC + ["refresh", "--landing", str(landing), "--warehouse", str(warehouse)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env) as proc:
        for line in proc.stdout:
            at = time.perf_counter() - started
            fh.write(f"{at:8.2f} {line}")
            if first is None and "▶" in line:
                first = at
            if line.strip().startswith("Time:"):
                summary = at
                flow_time = line.strip().removeprefix("Time:").strip()
        rc = proc.wait()
    to_exit = time.perf_counter() - started
    if rc != 0:
        sys.exit(f"csc refresh failed (rc {rc}); see {log}")
    slowest, kinds = build_nodes(wall_start)
    return DemoRefresh(first, summary, to_exit, flow_time, slowest, kinds, load_start,
                       load_average())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=None, help="work folder (kept); default temp")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the demo landing already under --dir (skip generate)")
    ap.add_argument("--repeat", type=int, default=1, help="refreshes, each from empty")
    args = ap.parse_args(argv)
    root = args.dir or Path(tempfile.mkdtemp(prefix="csc-demo-refresh-"))
    root.mkdir(parents=True, exist_ok=True)
    landing = root / "landing"
    print(f"Demo refresh benchmark, work folder {root}; load average {load_average()}",
          flush=True)
    if not (args.reuse and landing.is_dir()):
        print(f"generate (not timed in the target): {generate_demo(landing):,.1f} s",
              flush=True)
    for run in range(1, args.repeat + 1):
        result = timed_refresh(landing, root / "warehouse" / "csc.duckdb",
                               root / f"refresh-{run}.log")
        for line in result.lines():
            print(line, flush=True)
        print("  " + result.target_line(), flush=True)
    if args.dir is None:
        shutil.rmtree(root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
