"""Publish the warehouse: copy what analysts and BI need into a new file, swap it in.

The published file holds the marts and the run log only (no raw or staging data, no views
over file paths). It is written with DuckDB storage version v1.0.0 so that BI drivers
bundling older DuckDB (1.1 on) can open it, then moved over the old file with an atomic
rename: readers see the old file or the new one, never a half-written one.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from csc.config import WarehousePaths

PUBLISHED_SCHEMAS = ("marts", "meta")
# meta tables that are published (the load manifest names source files, which is fine;
# nothing in meta holds a direct identifier).
PUBLISHED_META = ("refresh_runs", "loaded_drops")
STORAGE_VERSION = "v1.0.0"


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    rows = con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = ? and schema_name in ('marts', 'meta')
           order by schema_name, table_name""",
        [catalog],
    ).fetchall()
    return [(s, t) for s, t in rows if s == "marts" or t in PUBLISHED_META]


def publish(paths: WarehousePaths) -> list[str]:
    """Write the published file from the work database and swap it in; return its tables."""
    target = paths.staging_publish
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{_sql_str(paths.work)}' as work (read_only)")
        con.execute(f"attach '{_sql_str(target)}' as pub (storage_version '{STORAGE_VERSION}')")
        tables = published_tables(con, "work")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists pub.{schema}")
        for schema, table in tables:
            con.execute(f"create table pub.{schema}.{table} as select * from work.{schema}.{table}")
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach work")
    finally:
        con.close()
    with target.open("rb") as fh:
        os.fsync(fh.fileno())
    paths.published.parent.mkdir(parents=True, exist_ok=True)
    os.replace(target, paths.published)
    dir_fd = os.open(paths.published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return [f"{s}.{t}" for s, t in tables]
