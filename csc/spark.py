"""Hand the raw layer to Apache Spark and build the same dbt models there (docs/scaling.md).

DuckDB on one machine is the everyday engine. When a platform outgrows it, the warehouse
moves by changing the dbt target, not the models: this module is the one piece of code
that the move needs.

1. `export_handoff`: the work database's raw history (`raw.*`), the load manifest
   (`meta.loaded_drops`) and, when the linkage step has run, `linkage.caf_person_link_versions`,
   written to Parquet with DuckDB's `COPY ... (FORMAT parquet)`: one folder per table,
   `<handoff>/<schema>/<table>/data.parquet`; the statutory returns' findings
   (`returns.validation_findings`, most often empty) too. Parquet keeps the column types
   (text, DATE, BIGINT, TIMESTAMP), and every engine reads it.
2. `register_handoff`: each Parquet folder registered in a Spark catalogue under the same
   `schema.table` name, so the dbt sources (`source('raise', 'contacts')` -> `raw.contacts`)
   resolve on Spark exactly as on DuckDB.
3. `build_on_spark`: `dbt build`/`run` with `--target spark` (profiles/profiles.yml), in the
   Spark session that holds those tables.

Run it as `python -m csc.spark --work-db W --spark-dir D [dbt args]`. The local target is
a Spark session inside this process (dbt-spark `method: session`), with an in-memory
catalogue and its warehouse folder under `--spark-dir`; a cluster needs only the Parquet
folders copied to shared storage and another dbt output (docs/scaling.md).

Needs the optional dependency group `spark` (`make venv-spark`) and Java 17+.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pyspark is an optional dependency
    from pyspark.sql import SparkSession

# Which tables of the work database Spark gets: everything the dbt sources read.
HANDOFF_SCHEMAS = ("raw",)
HANDOFF_TABLES = (("meta", "loaded_drops"), ("meta", "record_problems"),
                  ("linkage", "caf_person_link_versions"),
                  ("returns", "validation_findings"))

# The environment variable the `spark` dbt output reads its folder from (profiles.yml).
SPARK_DIR_ENV = "CSC_SPARK_DIR"


# DuckDB column types of the hand-off and the Spark types their Parquet columns read as.
# Declaring them spares Spark a schema-inference job per table (minutes on a busy machine).
SPARK_TYPES = {
    "VARCHAR": "string",
    "DATE": "date",
    "BIGINT": "bigint",
    "INTEGER": "int",
    "DOUBLE": "double",
    "BOOLEAN": "boolean",
    # DuckDB writes TIMESTAMP as a Parquet timestamp not adjusted to UTC: Spark's NTZ type.
    "TIMESTAMP": "timestamp_ntz",
}


class SparkUnavailable(RuntimeError):
    """pyspark/dbt-spark is not installed or no Java runtime is on this machine."""


@dataclass(frozen=True)
class HandedOffTable:
    """One table handed to Spark: its `schema.table` name and its Parquet folder."""

    schema: str
    name: str
    folder: Path
    rows: int
    columns: tuple[tuple[str, str], ...] = ()  # (name, DuckDB type)

    @property
    def qualified_name(self) -> str:
        return f"{self.schema}.{self.name}"


def java_missing() -> str | None:
    """Why no JVM can start here (None when one can): the reason names what to install."""
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (install a JDK 17+, e.g. `apt-get install openjdk-17-jre-headless`)"
    return None


def spark_packages_missing() -> str | None:
    """Why the optional `spark` dependency group cannot be imported (None when it can)."""
    for module, package in (("pyspark", "pyspark"), ("dbt.adapters.spark", "dbt-spark[session]")):
        try:
            __import__(module)
        except ImportError:
            return f"{package} is not installed (run `make venv-spark`)"
    return None


def spark_missing() -> str | None:
    """Why a local Spark session cannot start here (None when it can): the reason names
    what to install."""
    return java_missing() or spark_packages_missing()


def spark_conf(spark_dir: Path) -> dict[str, str]:
    """Spark settings for a local session kept small for a shared 2-core machine: two
    worker threads, two shuffle partitions, a modest driver, managed tables under
    `spark_dir`. The catalogue is Spark's in-memory one: a Hive (Derby) metastore took
    minutes per run here, and the hand-off re-registers the Parquet folders on every run
    anyway. So the local `spark` target lives in one process: `python -m csc.spark`
    registers the tables and runs dbt in it. profiles/profiles.yml gives the dbt `spark`
    output the same settings (tests/spark checks they agree)."""
    spark_dir = spark_dir.resolve()
    return {
        "spark.master": "local[2]",
        "spark.driver.memory": "1g",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.sql.catalogImplementation": "in-memory",
        # dbt-spark sets this too: a failed cast gives NULL, as in Spark 3.
        "spark.sql.ansi.enabled": "false",
        # Whole-stage code generation compiles Java for every query stage: worth it on
        # millions of rows, pure overhead on a test's thousands (docs/scaling.md).
        "spark.sql.codegen.wholeStage": "false",
        # A JVM that lives minutes: the quick (C1) JIT only and one GC thread. Measured on a
        # session start, registration and 12 small tables: 41 s of JVM CPU instead of 72 s.
        "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
    }


def spark_session(spark_dir: Path) -> SparkSession:
    """The local Spark session over `spark_dir`. dbt's `session` connections in this
    process reuse it (dbt-spark asks for Hive support, but a running session is returned
    as it is, with the hand-off tables in its catalogue)."""
    reason = spark_missing()
    if reason:
        raise SparkUnavailable(reason)
    from pyspark.sql import SparkSession

    spark_dir.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.appName("csc-warehouse")
    for key, value in spark_conf(spark_dir).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def _handoff_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    present = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' order by table_schema, table_name").fetchall()
    wanted = [(s, t) for s, t in present if s in HANDOFF_SCHEMAS]
    wanted += [pair for pair in HANDOFF_TABLES if pair in present]
    return wanted


def export_handoff(work_db: Path, handoff_dir: Path) -> list[HandedOffTable]:
    """Write the raw layer of `work_db` (and the load manifest, and the linkage table when
    present) to `<handoff_dir>/<schema>/<table>/data.parquet`, replacing earlier copies."""
    if not work_db.exists():
        raise FileNotFoundError(f"work database {work_db} does not exist: load drops first")
    tables = []
    with duckdb.connect(str(work_db), read_only=True) as con:
        pairs = _handoff_tables(con)
        if not any(schema == "raw" for schema, _ in pairs):
            raise ValueError(f"{work_db} holds no raw.* tables: load drops first")
        for schema, name in pairs:
            folder = handoff_dir.resolve() / schema / name
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            target = str(folder / "data.parquet").replace("'", "''")
            con.execute(f'copy (select * from "{schema}"."{name}") to \'{target}\' '
                        "(format parquet)")
            rows = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
            columns = tuple((c[0], c[1]) for c in con.execute(
                f'describe "{schema}"."{name}"').fetchall())
            tables.append(HandedOffTable(schema, name, folder, rows, columns))
    return tables


def register_handoff(spark: SparkSession, tables: Sequence[HandedOffTable]) -> None:
    """Register each Parquet folder as the Spark table `schema.table` (an external table:
    the data stays in the hand-off folder) with its columns' types, replacing an earlier
    registration. A column type the hand-off does not map is an error naming it."""
    for table in tables:
        unmapped = [f"{c} {t}" for c, t in table.columns if t not in SPARK_TYPES]
        if unmapped:
            raise ValueError(f"{table.qualified_name}: no Spark type for column(s) "
                             f"{', '.join(unmapped)}: add it to csc.spark.SPARK_TYPES")
    # One statement per table where possible: each costs a round trip through Spark's
    # parser and catalogue, seconds apiece on a busy machine.
    existing = {row.namespace for row in spark.sql("show schemas").collect()}
    for schema in sorted({t.schema for t in tables} - existing):
        spark.sql(f"create schema {schema}")
    for table in tables:
        columns = ", ".join(f"`{c}` {SPARK_TYPES[t]}" for c, t in table.columns)
        if spark.catalog.tableExists(table.qualified_name):
            spark.sql(f"drop table {table.qualified_name}")
        location = str(table.folder).replace("\\", "\\\\").replace("'", "\\'")
        spark.sql(f"create table {table.qualified_name} ({columns}) using parquet "
                  f"location '{location}'")


def build_on_spark(work_db: Path, spark_dir: Path, dbt_args: Sequence[str],
                   timings: dict[str, float] | None = None) -> Any:
    """Hand `work_db`'s raw layer to a local Spark session under `spark_dir` and run dbt
    (`dbt_args`, e.g. ["build"]) on the `spark` target. Returns dbt's result. `timings`,
    when given, receives the seconds from the start to the end of each step."""
    from dbt.cli.main import dbtRunner

    from csc.config import dbt_profiles_dir, dbt_project_dir, set_offline_env

    set_offline_env()
    timings = {} if timings is None else timings
    started = time.monotonic()

    def step(name: str) -> None:
        timings[name] = round(time.monotonic() - started, 1)
        print(f"{name} at {timings[name]:.1f} s", flush=True)

    tables = export_handoff(work_db, spark_dir / "handoff")
    step(f"{len(tables)} tables exported to Parquet")
    spark = spark_session(spark_dir)
    step("Spark session up")
    register_handoff(spark, tables)
    step("hand-off registered in Spark's catalogue")
    os.environ[SPARK_DIR_ENV] = str(spark_dir.resolve())
    outcome = dbtRunner().invoke([
        *dbt_args, "--target", "spark",
        "--project-dir", str(dbt_project_dir()), "--profiles-dir", str(dbt_profiles_dir()),
        "--target-path", str(spark_dir.resolve() / "dbt-target"),
        "--log-path", str(spark_dir.resolve() / "dbt-logs"),
    ])
    step("dbt finished")
    return outcome


def export_spark_table(spark: SparkSession, qualified_name: str, out_dir: Path) -> Path:
    """Write a Spark table as Parquet into the folder `out_dir` (replaced), for reading
    back with DuckDB (`read_parquet('<out_dir>/*.parquet')`) to compare the engines."""
    spark.table(qualified_name).coalesce(1).write.mode("overwrite").parquet(
        str(out_dir.resolve()))
    return out_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m csc.spark",
        description="Hand the raw layer of a work database to a local Spark session and "
                    "run dbt on the `spark` target.")
    parser.add_argument("--work-db", type=Path, required=True,
                        help="the DuckDB work database holding raw.* (csc refresh writes it)")
    parser.add_argument("--spark-dir", type=Path, required=True,
                        help="folder for the Parquet hand-off, Spark catalogue and tables")
    parser.add_argument("--export", action="append", default=[], metavar="SCHEMA.TABLE",
                        help="after dbt, write this Spark table as Parquet into "
                             "<spark-dir>/out/<schema.table>/ (repeatable)")
    parser.add_argument("dbt_args", nargs=argparse.REMAINDER,
                        help="dbt command and arguments (default: build)")
    args = parser.parse_args(argv)
    reason = spark_missing()
    if reason:
        print(f"Spark is not available: {reason}", file=sys.stderr)
        return 2
    started = time.monotonic()
    outcome = build_on_spark(args.work_db, args.spark_dir, args.dbt_args or ["build"])
    if not outcome.success:
        print(f"dbt on Spark failed: {outcome.exception or 'see the dbt log above'}",
              file=sys.stderr)
        return 1
    spark = spark_session(args.spark_dir)
    for name in args.export:
        export_spark_table(spark, name, args.spark_dir / "out" / name)
    print(f"built on Spark in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
