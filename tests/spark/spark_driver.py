"""Run in a subprocess by test_cross_engine.py: hand off, build on Spark, then run the
cross-database macro checks there and export what the test compares.

    python tests/spark/spark_driver.py WORK_DB SPARK_DIR CHECKS_SQL -- DBT_ARGS...

Writes <SPARK_DIR>/out/marts.measure_values/*.parquet, <SPARK_DIR>/out/checks.json and
<SPARK_DIR>/out/timings.json (seconds per step) and <SPARK_DIR>/out/run_results.json (dbt's
own, per node). A subprocess, so the JVM ends with it and the
test process stays light (and builds the same models on DuckDB meanwhile).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path

from dbt.cli.main import dbtRunner

from csc.config import dbt_profiles_dir, dbt_project_dir
from csc.spark import build_on_spark, export_spark_table, spark_session


def _jvm_cpu_seconds() -> float:
    """CPU seconds used so far by this process's Java child (the Spark driver JVM)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == os.getpid():  # fields after "(comm)": state, ppid, ...
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return round(total, 1)


def main(argv: list[str]) -> int:
    work_db, spark_dir, checks_sql = Path(argv[0]), Path(argv[1]), Path(argv[2]).read_text()
    dbt_args = argv[argv.index("--") + 1:]
    out = spark_dir / "out"
    timings: dict[str, float] = {}
    started = time.monotonic()
    outcome = build_on_spark(work_db, spark_dir, dbt_args, timings=timings)
    if not outcome.success:
        print(f"dbt on Spark failed: {outcome.exception}", file=sys.stderr)
        return 1
    spark = spark_session(spark_dir)
    export_spark_table(spark, "marts.measure_values", out / "marts.measure_values")
    timings["measure_values exported"] = time.monotonic() - started
    # The build's per-node timings, before `dbt show` writes its own run results there.
    target = spark_dir.resolve() / "dbt-target"
    (out / "run_results.json").write_bytes((target / "run_results.json").read_bytes())
    shown = dbtRunner().invoke([
        "show", "--inline", checks_sql, "--target", "spark", "--quiet",
        "--project-dir", str(dbt_project_dir()), "--profiles-dir", str(dbt_profiles_dir()),
        "--target-path", str(target),
        "--log-path", str(spark_dir.resolve() / "dbt-logs"),
    ])
    if not shown.success:
        print(f"macro checks failed on Spark: {shown.exception}", file=sys.stderr)
        return 1
    timings["macro checks shown"] = time.monotonic() - started
    table = shown.result.results[0].agate_table
    row = {name: (None if value is None else str(value))
           for name, value in zip(table.column_names, table.rows[0], strict=True)}
    (out / "checks.json").write_text(json.dumps(row))
    timings["JVM cpu seconds"] = _jvm_cpu_seconds()
    timings["Python cpu seconds"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_utime
                                          + resource.getrusage(resource.RUSAGE_SELF).ru_stime, 1)
    (out / "timings.json").write_text(json.dumps(timings))
    print(f"hand-off + dbt on Spark: {timings['dbt finished']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
