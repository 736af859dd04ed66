"""Run in a subprocess by test_cross_engine.py: hand off, build on Spark, then run the
cross-database macro checks there and export what the test compares.

    python tests/spark/spark_driver.py WORK_DB SPARK_DIR CHECKS_SQL -- DBT_ARGS...

Writes <SPARK_DIR>/out/marts.measure_values/*.parquet and <SPARK_DIR>/out/checks.json.
A subprocess, so the JVM ends with it and the test process stays light.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from dbt.cli.main import dbtRunner

from csc.config import dbt_profiles_dir, dbt_project_dir
from csc.spark import build_on_spark, export_spark_table, spark_session


def main(argv: list[str]) -> int:
    work_db, spark_dir, checks_sql = Path(argv[0]), Path(argv[1]), Path(argv[2]).read_text()
    dbt_args = argv[argv.index("--") + 1:]
    started = time.monotonic()
    outcome = build_on_spark(work_db, spark_dir, dbt_args)
    if not outcome.success:
        print(f"dbt on Spark failed: {outcome.exception}", file=sys.stderr)
        return 1
    built = time.monotonic() - started
    spark = spark_session(spark_dir)
    export_spark_table(spark, "marts.measure_values", spark_dir / "out" / "marts.measure_values")
    shown = dbtRunner().invoke([
        "show", "--inline", checks_sql, "--target", "spark", "--quiet",
        "--project-dir", str(dbt_project_dir()), "--profiles-dir", str(dbt_profiles_dir()),
        "--target-path", str(spark_dir.resolve() / "dbt-target"),
        "--log-path", str(spark_dir.resolve() / "dbt-logs"),
    ])
    if not shown.success:
        print(f"macro checks failed on Spark: {shown.exception}", file=sys.stderr)
        return 1
    table = shown.result.results[0].agate_table
    row = {name: (None if value is None else str(value))
           for name, value in zip(table.column_names, table.rows[0], strict=True)}
    (spark_dir / "out" / "checks.json").write_text(json.dumps(row))
    print(f"hand-off + dbt on Spark: {built:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
