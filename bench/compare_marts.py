"""Compare two published warehouses table by table, row for row.

    .venv/bin/python bench/compare_marts.py OLD.duckdb NEW.duckdb

Every table of the published schemas (csc.publish.PUBLISHED_SCHEMAS: marts and meta) in
either file is compared: the same columns with the same types in the same order, the same
row count, and no row of one missing from the other (EXCEPT ALL both ways, so duplicate
rows count). One line per table, then a verdict; the exit status is 1 on any difference.
Use it to show a change to the models leaves every published figure as it was: build the
same landing folder with the old and the new code and compare the two warehouses.

What is per run, not per data, is left out:
  - meta.refresh_runs entirely: one row per refresh with its run id, start and finish
    times, step timings and the number of dbt nodes (which changes whenever models are
    added or removed, without any figure changing).
  - in meta.loaded_drops the columns load_id (a fresh id per load), loaded_at (a time)
    and load_seconds (a timing); the rest (extract date, files, rows read, versions added,
    closed and deleted) is compared.

Both files are opened read-only.
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

from csc.publish import PUBLISHED_SCHEMAS

IGNORED_TABLES = {
    ("meta", "refresh_runs"): "one row per refresh: run id, times, timings, dbt node count",
}
IGNORED_COLUMNS = {("meta", "loaded_drops"): ("load_id", "loaded_at", "load_seconds")}


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> set[tuple[str, str]]:
    schemas = ", ".join(f"'{s}'" for s in PUBLISHED_SCHEMAS)
    return set(con.execute(
        f"select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({schemas})", [catalog]).fetchall())


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str,
             table: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_catalog = ? and table_schema = ? and table_name = ? "
        "order by ordinal_position", [catalog, schema, table]).fetchall()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def compare_table(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> tuple[bool, str]:
    """(identical, what to print) for one table present in both files."""
    old_columns = _columns(con, "old", schema, table)
    new_columns = _columns(con, "new", schema, table)
    if old_columns != new_columns:
        only_old = [c for c in old_columns if c not in new_columns]
        only_new = [c for c in new_columns if c not in old_columns]
        return False, (f"DIFFERENT columns (only in old: {only_old}, only in new: {only_new}"
                       f"{', order differs' if not (only_old or only_new) else ''})")
    ignored = IGNORED_COLUMNS.get((schema, table), ())
    columns = ", ".join(_quote(c) for c, _ in old_columns if c not in ignored)
    old = f"old.{_quote(schema)}.{_quote(table)}"
    new = f"new.{_quote(schema)}.{_quote(table)}"
    (old_rows,) = con.execute(f"select count(*) from {old}").fetchone()
    (new_rows,) = con.execute(f"select count(*) from {new}").fetchone()
    (only_old,) = con.execute(
        f"select count(*) from (select {columns} from {old} except all "
        f"select {columns} from {new})").fetchone()
    (only_new,) = con.execute(
        f"select count(*) from (select {columns} from {new} except all "
        f"select {columns} from {old})").fetchone()
    note = f" (ignoring {', '.join(ignored)})" if ignored else ""
    if old_rows == new_rows and only_old == 0 and only_new == 0:
        return True, f"identical, {old_rows:,} rows{note}"
    return False, (f"DIFFERENT: {old_rows:,} rows in old, {new_rows:,} in new; "
                   f"{only_old:,} only in old, {only_new:,} only in new{note}")


def compare(old_path: Path, new_path: Path) -> int:
    con = duckdb.connect()
    con.execute(f"attach '{str(old_path)}' as old (read_only)")
    con.execute(f"attach '{str(new_path)}' as new (read_only)")
    old_tables, new_tables = _tables(con, "old"), _tables(con, "new")
    differences = 0
    for schema, table in sorted(old_tables | new_tables):
        name = f"{schema}.{table}"
        if (schema, table) in IGNORED_TABLES:
            print(f"{name}: ignored ({IGNORED_TABLES[(schema, table)]})")
            continue
        if (schema, table) not in new_tables or (schema, table) not in old_tables:
            differences += 1
            print(f"{name}: DIFFERENT: only in {'old' if (schema, table) in old_tables else 'new'}")
            continue
        identical, line = compare_table(con, schema, table)
        differences += not identical
        print(f"{name}: {line}")
    compared = len(old_tables | new_tables) - len(IGNORED_TABLES.keys() & (old_tables | new_tables))
    if differences:
        print(f"VERDICT: DIFFERENT ({differences} of {compared} tables differ)")
        return 1
    print(f"VERDICT: IDENTICAL ({compared} tables compared)")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    old_path, new_path = (Path(a) for a in args)
    for path in (old_path, new_path):
        if not path.is_file():
            print(f"no such file: {path}", file=sys.stderr)
            return 2
    return compare(old_path, new_path)


if __name__ == "__main__":
    sys.exit(main())
