"""Publish the warehouse: copy what analysts and BI need into a new file, swap it in.

The published file holds the marts (tables, and views materialised as tables), the load
manifest and the run log: no raw or staging data, no views (so none over file paths). It is
written with DuckDB storage version v1.0.0 so that BI drivers bundling older DuckDB (1.1
on) can open it, then moved over the old file with an atomic rename: a reader sees the old
file or the new one, never a half-written one, and a reader holding the old file open keeps
reading it (its inode lives on) until it reconnects.

Before the rename, two guards refuse a publication that would leak a direct identifier: a
published column named like a contract PII column (forename, surname, date_of_birth,
postcode, upn), or a text value shaped like a UPN or a full postcode.

A night writes only what changed. When a published file is there and holds the same tables
with the same columns as the work database would publish, the new file starts as a copy of
it (a file copy, far cheaper than inserting every row again) and only the tables whose
content differs are replaced: a table's content is compared by its row count and the sum of
a 64-bit hash of each row, computed in DuckDB on both files, and by its comments. The run
log is always replaced. A big replaced table with few new rows (the child-level lists, of
which a night changes a few children's records) is patched in place rather than written
anew (_Patch). Only the replaced tables are scanned for identifier-shaped values, and of
those only the rows the last published file does not hold (compared by a 64-bit hash of
the row): the kept tables and rows passed that scan when they were published. Column
names are checked on every table. Anything else (no file yet, a file that cannot be read,
a table added, removed or reshaped, a file that is mostly free blocks) takes the full
path: every table written anew. Both paths end in the same atomic rename, and give the
same tables, rows and comments (tests/test_publish.py).
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from csc import hooks
from csc.config import PROJECT_DIR, WarehousePaths, limit_memory, read_yaml
from csc.contract import load_contract
from csc.runlog import PUBLISHED_COLUMNS, stored_value

PUBLISHED_SCHEMAS = ("marts", "meta")
# meta tables that are published (the load manifest holds dates and counts only).
PUBLISHED_META = ("refresh_runs", "loaded_drops")
STORAGE_VERSION = "v1.0.0"
# An incremental publication rewrites the file whole when more than this share of it is
# free blocks (left by replaced tables), so that it never grows far past its content.
MAX_FREE_SHARE = 0.4
# A changed table of at least this many rows is patched in place (_Patch) when at most
# this share of its rows is new; any other changed table is written anew.
PATCH_MIN_ROWS = 100_000
PATCH_MAX_SHARE = 0.1

# Shapes of direct identifiers no published text value may have (checked on every text
# column of the new file before it is swapped in).
# Every value either pattern matches is 5 to 13 characters long (the scan relies on it).
IDENTIFIER_PATTERNS = {
    "UPN": r"^[A-Z][0-9]{11}[0-9A-Z]$",
    "full postcode": r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$",
}


# Table comments of the published meta tables (the marts' come from the dbt descriptions).
META_DESCRIPTIONS = {
    "refresh_runs": "One row per nightly refresh: when it ran, its status, the drops and rows "
                    "it loaded, the validation result and the time each step took.",
    "loaded_drops": "One row per extract drop loaded: its extract date, load id, when it was "
                    "loaded, its files, rows read, record versions added and closed, records "
                    "deleted and the seconds the load took.",
}


def dbt_descriptions(project_dir: Path = PROJECT_DIR) -> dict[str, tuple[str, dict[str, str]]]:
    """model name -> (description, {column: description}) from the dbt project's property
    files (models/**/*.yml: the text dbt's docs and manifest carry), whitespace folded."""
    def fold(text: object) -> str:
        return " ".join(str(text or "").split())

    found: dict[str, tuple[str, dict[str, str]]] = {}
    for path in sorted((project_dir / "models").rglob("*.yml")):
        properties = read_yaml(path) or {}
        for model in properties.get("models") or []:
            columns = {c["name"]: fold(c.get("description")) for c in model.get("columns") or []
                       if c.get("description")}
            found[model["name"]] = (fold(model.get("description")), columns)
    return found


def _expected_comments(schema: str, table: str,
                       descriptions: dict[str, tuple[str, dict[str, str]]],
                       present: set[str]) -> tuple[str | None, dict[str, str]]:
    """The comments a published table gets: (table comment or None, {column: comment}),
    from the dbt descriptions (marts) or META_DESCRIPTIONS (meta)."""
    if schema == "meta":
        description, columns = META_DESCRIPTIONS.get(table, ""), {}
    else:
        description, columns = descriptions.get(table, ("", {}))
    return (description or None,
            {column: text for column, text in columns.items() if column in present})


def _comment_published(con: duckdb.DuckDBPyConnection, schema: str, table: str,
                       descriptions: dict[str, tuple[str, dict[str, str]]]) -> None:
    """COMMENT ON the published table and its columns, from the dbt descriptions (marts)
    or META_DESCRIPTIONS (meta): BI tools and `duckdb` show them."""
    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    present = {c for c, _ in _columns(con, "pub", schema, table)}
    description, columns = _expected_comments(schema, table, descriptions, present)
    if description:
        con.execute(f'comment on table pub.{schema}."{table}" is {literal(description)}')
    for column, text in columns.items():
        con.execute(f'comment on column pub.{schema}."{table}"."{column}" is '
                    f"{literal(text)}")


def _comments_of(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
                 ) -> tuple[str | None, dict[str, str]]:
    """The comments a table of `catalog` carries, as _expected_comments gives them."""
    comment = con.execute(
        """select comment from duckdb_tables()
           where database_name = ? and schema_name = ? and table_name = ?""",
        [catalog, schema, table]).fetchone()
    columns = con.execute(
        """select column_name, comment from duckdb_columns()
           where database_name = ? and schema_name = ? and table_name = ?
             and comment is not null""", [catalog, schema, table]).fetchall()
    return (comment[0] if comment and comment[0] else None), dict(columns)


def table_digest(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
                 ) -> tuple[int, int]:
    """A table's content, row order aside: (rows, sum of a 64-bit hash of each row).

    Two tables with the same columns and the same digest hold the same rows (a different
    content with the same digest needs a 64-bit hash collision to cancel out exactly)."""
    rows, hashed = con.execute(
        f'select count(*), coalesce(sum(hash(t)::hugeint), 0) '
        f'from {catalog}.{schema}."{table}" as t').fetchone()
    return int(rows), int(hashed)


class PublishRefused(Exception):
    """The new file would publish a direct identifier; nothing was swapped in."""


@dataclass
class PublishResult:
    path: Path
    rows: dict[str, int] = field(default_factory=dict)  # "schema.table" -> rows
    measures: int = 0       # distinct measure ids in marts.measure_values
    measure_rows: int = 0   # rows of marts.measure_values
    # "full (<why>)" or "incremental"; the tables written anew (every one on the full path)
    mode: str = "full"
    replaced: list[str] = field(default_factory=list)
    # of the replaced tables, those patched in place (_Patch) rather than written anew
    patched: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[str]:
        return list(self.rows)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")


def published_tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, name) of what is published from `catalog`: every marts table and view, and
    the published meta tables."""
    rows = con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = $1 and schema_name in ('marts', 'meta')
           union all
           select schema_name, view_name from duckdb_views()
           where database_name = $1 and schema_name = 'marts' and not internal
           order by 1, 2""",
        [catalog],
    ).fetchall()
    return [(s, t) for s, t in rows if s == "marts" or t in PUBLISHED_META]


def pii_column_names() -> set[str]:
    """Names of the contract's direct-identifier columns."""
    return {c.name for t in load_contract().tables.values() for c in t.columns if c.pii}


def _columns(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str
             ) -> list[tuple[str, str]]:
    return con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = ? and schema_name = ? and table_name = ?
           order by column_index""", [catalog, schema, table]).fetchall()


def _identifier_problems(con: duckdb.DuckDBPyConnection, catalog: str,
                         tables: list[tuple[str, str]], values: bool = True,
                         rows_of: dict[tuple[str, str], str] | None = None) -> list[str]:
    """Direct-identifier columns, and text columns holding a value shaped like one. One
    scan per table tests every text column against every pattern (a scan per column and
    pattern took minutes on the national marts); `values=False` checks column names only.
    `rows_of`: for a table, a query of the rows to scan in place of all of them."""
    problems = []
    pii = pii_column_names()
    for schema, table in tables:
        texts = []
        for column, kind in _columns(con, catalog, schema, table):
            if column.lower() in pii:
                problems.append(f"{schema}.{table}.{column}: a direct-identifier column")
            if kind == "VARCHAR":
                texts.append(column)
        tests = [(column, label) for column in texts for label in IDENTIFIER_PATTERNS]
        if not tests or not values:
            continue
        # Only values of a UPN's or a postcode's length (5-13) go to the regex.
        found = con.execute(
            "select " + ", ".join(
                f"""bool_or(case when length(trim("{column}")) between 5 and 13
                            then regexp_full_match(upper(trim("{column}")), ?) end)"""
                for column, _ in tests) + " from " + (
                f"({rows_of[(schema, table)]}) as t" if (schema, table) in (rows_of or {})
                else f'{catalog}.{schema}."{table}"'),
            [IDENTIFIER_PATTERNS[label] for _, label in tests]).fetchone()
        problems += [f"{schema}.{table}.{column}: a value shaped like a {label}"
                     for (column, label), hit in zip(tests, found, strict=True) if hit]
    return problems


def _copy_run_log(con: duckdb.DuckDBPyConnection, run_id: str | None,
                  finished: dict[str, object]) -> None:
    present = {c for c, _ in _columns(con, "work", "meta", "refresh_runs")}
    cols = ", ".join(c for c in PUBLISHED_COLUMNS if c in present)
    con.execute(f"create table pub.meta.refresh_runs as select {cols} "
                "from work.meta.refresh_runs order by started_at")
    if run_id is None:
        return
    fields = {k: v for k, v in finished.items() if k in PUBLISHED_COLUMNS and k in present}
    # `published`, not `succeeded`: the run has steps to go (the reports). Its row in the
    # work database says how it ended; the next publication copies that.
    fields = {"status": "published", "finished_at": datetime.now(), **fields}
    assignments = ", ".join(f"{k} = ?" for k in fields)
    con.execute(f"update pub.meta.refresh_runs set {assignments} where run_id = ?",
                [*(stored_value(v) for v in fields.values()), run_id])


def _incremental_plan(con: duckdb.DuckDBPyConnection, tables: list[tuple[str, str]],
                      descriptions: dict[str, tuple[str, dict[str, str]]]
                      ) -> tuple[list[tuple[str, str]], dict[str, int],
                                 dict[tuple[str, str], tuple[int, int]]] | str:
    """With `pub` a copy of the last published file: the tables to write (their content
    or comments differ from the work database's, and the run log), the rows of those kept
    and the work database's digest of each changed table; or why the full path is taken
    (a table added, removed or reshaped)."""
    there = published_tables(con, "pub")
    free, total = con.execute("select free_blocks, total_blocks from pragma_database_size() "
                              "where database_name = 'pub'").fetchone()
    if total and free > total * MAX_FREE_SHARE:
        return f"the published file is {100 * free // total}% free space: written anew"
    if sorted(there) != sorted(tables):
        added = sorted(f"{s}.{t}" for s, t in set(tables) - set(there))
        removed = sorted(f"{s}.{t}" for s, t in set(there) - set(tables))
        return f"tables changed: added {added}, removed {removed}"
    replace: list[tuple[str, str]] = []
    kept: dict[str, int] = {}
    digests: dict[tuple[str, str], tuple[int, int]] = {}
    for schema, table in tables:
        if (schema, table) == ("meta", "refresh_runs"):
            replace.append((schema, table))  # this run's row is set on every publication
            continue
        columns = _columns(con, "work", schema, table)
        if _columns(con, "pub", schema, table) != columns:
            return f"the columns of {schema}.{table} changed"
        expected = _expected_comments(schema, table, descriptions, {c for c, _ in columns})
        digest = table_digest(con, "work", schema, table)
        if (_comments_of(con, "pub", schema, table) != expected
                or table_digest(con, "pub", schema, table) != digest):
            replace.append((schema, table))
            digests[(schema, table)] = digest
        else:
            kept[f"{schema}.{table}"] = digest[0]
    return replace, kept, digests


@dataclass
class _Patch:
    """A changed table patched in the copy of the last published file instead of written
    anew: the rows the work database no longer holds are deleted, the columns that hold one
    value in both files, a different one in each, are set to the new value (every row of
    the child-level lists carries the latest extract's date, which moves every night), and
    the new rows are inserted. Rows are matched by a 64-bit hash of the other columns.
    The patched table's digest must then equal the work database's (_apply), or the table
    is written anew; so a table holding duplicate rows, or a hash collision, costs a
    rewrite, never a wrong table."""

    schema: str
    table: str
    match: list[str]            # the columns rows are matched on (quoted)
    setting: dict[str, object]  # column -> the work database's one value
    new_rows: str               # temp table of the rows to insert
    gone: str                   # temp table of the hashes of the rows to delete

    def scan_query(self) -> str:
        """The rows the identifier scan must see: the new rows, and one row of the work
        table for the columns set on every row."""
        return (f"select * from {self.new_rows} union all "
                f'(select * from work.{self.schema}."{self.table}" limit 1)')


def _single_values(con: duckdb.DuckDBPyConnection, catalog: str, schema: str, table: str,
                   columns: list[str]) -> dict[str, object]:
    """The columns of a table holding one value (not null) on every row, with it."""
    found = con.execute("select " + ", ".join(
        f'min("{c}") = max("{c}") and count("{c}") = count(*), min("{c}")' for c in columns)
        + f' from {catalog}.{schema}."{table}"').fetchone()
    return {c: found[2 * i + 1] for i, c in enumerate(columns) if found[2 * i]}


def _plan_patch(con: duckdb.DuckDBPyConnection, schema: str, table: str, rows: int
                ) -> _Patch | None:
    """A patch of `pub`'s copy of the table to the work database's, when the table is big
    enough for a patch to pay and few of its rows are new; None to write it anew."""
    if rows < PATCH_MIN_ROWS:
        return None
    columns = [c for c, _ in _columns(con, "work", schema, table)]
    in_work = _single_values(con, "work", schema, table, columns)
    in_pub = _single_values(con, "pub", schema, table, list(in_work)) if in_work else {}
    setting = {c: v for c, v in in_work.items() if c in in_pub and in_pub[c] != v}
    match = [f'"{c}"' for c in columns if c not in setting]
    if not match:
        return None
    key = f"hash({', '.join(match)})"
    name = f"csc_patch_{schema}_{table}"
    new_rows, gone = f"temp.main.{name}_new", f"temp.main.{name}_gone"
    limit = int(rows * PATCH_MAX_SHARE) + 1
    # the published rows' hashes, computed once for both questions: which work rows are
    # new, and which published rows are gone
    con.execute(f'create or replace temp table {name}_pub as '
                f'select {key} as h from pub.{schema}."{table}"')
    con.execute(f'create or replace temp table {name}_new as select w.* '
                f'from work.{schema}."{table}" as w anti join temp.main.{name}_pub as p '
                f'on {key} = p.h limit {limit}')
    if con.execute(f"select count(*) from {new_rows}").fetchone()[0] >= limit:
        con.execute(f"drop table {new_rows}")
        con.execute(f"drop table temp.main.{name}_pub")
        return None
    con.execute(f'create or replace temp table {name}_gone as select distinct p.h '
                f'from temp.main.{name}_pub as p anti join '
                f'(select {key} as h from work.{schema}."{table}") as w on p.h = w.h')
    con.execute(f"drop table temp.main.{name}_pub")
    return _Patch(schema, table, match, setting, new_rows, gone)


def _apply(con: duckdb.DuckDBPyConnection, patch: _Patch, digest: tuple[int, int]) -> bool:
    """Patch `pub`'s table; True when it then holds the work database's rows (its
    digest), False when it does not (it must be written anew)."""
    target = f'pub.{patch.schema}."{patch.table}"'
    con.execute(f"delete from {target} where hash({', '.join(patch.match)}) in "
                f"(select h from {patch.gone})")
    if patch.setting:
        con.execute(f"update {target} set " + ", ".join(f'"{c}" = ?' for c in patch.setting),
                    list(patch.setting.values()))
    con.execute(f"insert into {target} select * from {patch.new_rows}")
    con.execute(f"drop table {patch.new_rows}")
    con.execute(f"drop table {patch.gone}")
    return table_digest(con, "pub", patch.schema, patch.table) == digest


def _new_rows(schema: str, table: str) -> str:
    """A query of the rows of the work database's `schema.table` that the copy of the last
    published file (`pub`) does not hold: rows compared by a 64-bit hash of the whole row
    (the columns are the same, in the same order, or the full path is taken). On the
    10-LA benchmark's record marts (3.6 million rows each, a few thousand new a night) it
    takes 0.8 s where scanning every row took 2.9 s."""
    return (f'select w.* from work.{schema}."{table}" as w anti join '
            f'(select hash(p) as h from pub.{schema}."{table}" as p) as o on hash(w) = o.h')


def _open_last_copy(con: duckdb.DuckDBPyConnection, published: Path, target: Path) -> str | None:
    """Copy the last published file to `target` and attach it as `pub`; None, or why the
    full path is taken instead (nothing published yet, a file DuckDB cannot open)."""
    if not published.is_file():
        return "nothing published yet"
    shutil.copyfile(published, target)
    try:
        con.execute(f"attach '{_sql_str(target)}' as pub (storage_version '{STORAGE_VERSION}')")
    except duckdb.Error as exc:
        target.unlink(missing_ok=True)
        return f"the published file could not be opened: {str(exc).splitlines()[0]}"
    return None


def _start_new_file(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    con.execute(f"attach '{_sql_str(target)}' as pub (storage_version '{STORAGE_VERSION}')")
    for schema in PUBLISHED_SCHEMAS:
        con.execute(f"create schema if not exists pub.{schema}")


def publish_warehouse(paths: WarehousePaths, run_id: str | None = None,
                      run_fields: dict[str, object] | None = None,
                      incremental: bool = True) -> PublishResult:
    """Write the published file from the work database and swap it in.

    `run_id`: the refresh doing the publishing; its row in the published run log reads
    `published` (finished_at: when it was published; with `run_fields`, columns to set
    there), since the file only exists if its publication went through: whether the run
    then succeeded (its reports) the next publication's copy says. Raises PublishRefused
    (nothing swapped in) when a direct identifier would leak. The hook points (csc.hooks)
    are where the failure tests kill a publication.

    The new file starts from a copy of the last published one and only the tables that
    changed are written (the module's docstring); `incremental=False`, or a first
    publication, or a changed set or shape of tables writes every table anew.
    """
    hooks.reached("publish")
    target = paths.staging_publish
    target.unlink(missing_ok=True)
    target.with_name(target.name + ".wal").unlink(missing_ok=True)
    result = PublishResult(path=paths.published)
    con = duckdb.connect()
    try:
        limit_memory(con)
        con.execute(f"attach '{_sql_str(paths.work)}' as work (read_only)")
        tables = published_tables(con, "work")
        # Column names before copying anything; values once, in the new file, below.
        refused = _identifier_problems(con, "work", tables, values=False)
        if refused:
            raise PublishRefused("not published: " + "; ".join(refused))
        descriptions = dbt_descriptions()
        why_full = (_open_last_copy(con, paths.published, target) if incremental
                    else "asked for")
        plan = _incremental_plan(con, tables, descriptions) if why_full is None else why_full
        if isinstance(plan, str):
            if why_full is None:
                con.execute("detach pub")
            _start_new_file(con, target)
            writes, kept, digests, result.mode = tables, {}, {}, f"full ({plan})"
        else:
            (writes, kept, digests), result.mode = plan, "incremental"
        result.replaced = [f"{s}.{t}" for s, t in writes]
        scanned: list[tuple[str, str]] = []
        patches: dict[tuple[str, str], _Patch] = {}
        if result.mode == "incremental":
            for w, digest in digests.items():
                patch = _plan_patch(con, *w, digest[0])
                if patch is not None:
                    patches[w] = patch
            # A replaced table's rows that the last publication held passed this scan
            # then: only its new rows are scanned, before anything is written.
            scanned = [w for w in writes if w != ("meta", "refresh_runs")]
            problems = _identifier_problems(
                con, "work", scanned,
                rows_of={w: patches[w].scan_query() if w in patches else _new_rows(*w)
                         for w in scanned})
            if problems:
                raise PublishRefused("not published: " + "; ".join(problems))
            # Dropped and checkpointed first, so that the new tables reuse the old ones'
            # blocks: the file does not grow by what a night replaces.
            for schema, table in writes:
                if (schema, table) not in patches:
                    con.execute(f'drop table if exists pub.{schema}."{table}"')
            con.execute("checkpoint pub")
        for n, (schema, table) in enumerate(writes, start=1):
            patch = patches.get((schema, table))
            if (schema, table) == ("meta", "refresh_runs"):
                _copy_run_log(con, run_id, run_fields or {})
            elif patch is None or not _apply(con, patch, digests[(schema, table)]):
                con.execute(f'drop table if exists pub.{schema}."{table}"')
                con.execute(f'create table pub.{schema}."{table}" as '
                            f'select * from work.{schema}."{table}"')
            else:
                result.patched.append(f"{schema}.{table}")
            _comment_published(con, schema, table, descriptions)
            digest = digests.get((schema, table))  # the work table's: what pub now holds
            result.rows[f"{schema}.{table}"] = digest[0] if digest else con.execute(
                f'select count(*) from pub.{schema}."{table}"').fetchone()[0]
            if n == max(1, len(writes) // 2):
                con.execute("checkpoint pub")
                hooks.reached("mid-publish")  # the new file is half written
        result.rows = {f"{s}.{t}": result.rows.get(f"{s}.{t}", kept.get(f"{s}.{t}", 0))
                       for s, t in tables}
        # The kept tables are the last publication's, which passed this scan.
        problems = _identifier_problems(con, "pub", [w for w in writes if w not in scanned])
        if problems:
            raise PublishRefused("not published: " + "; ".join(problems))
        if ("marts", "measure_values") in tables:
            result.measures, result.measure_rows = con.execute(
                "select count(distinct measure_id), count(*) from pub.marts.measure_values"
            ).fetchone()
        if run_id is not None and ("meta", "refresh_runs") in tables:
            con.execute("update pub.meta.refresh_runs set measures_published = ?, "
                        "measure_rows = ?, published_rows = ? where run_id = ?",
                        [result.measures, result.measure_rows, result.total_rows, run_id])
        con.execute("checkpoint pub")
        con.execute("detach pub")
        con.execute("detach work")
    except BaseException:
        con.close()
        target.unlink(missing_ok=True)
        target.with_name(target.name + ".wal").unlink(missing_ok=True)
        raise
    con.close()
    with target.open("rb") as fh:
        os.fsync(fh.fileno())
    hooks.reached("before-rename")
    paths.published.parent.mkdir(parents=True, exist_ok=True)
    os.replace(target, paths.published)
    dir_fd = os.open(paths.published.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return result


# --- The dbt docs site ----------------------------------------------------------------------

@dataclass
class DocsSite:
    """The dbt docs site a publication wrote: one static page."""

    path: Path                 # <warehouse folder>/docs/index.html
    models: int                # dbt models documented (their descriptions and lineage)
    catalog_tables: list[str]  # "schema.table" with catalog entries: the published ones
    size: int                  # bytes of the page


def _secrets() -> list[str]:
    """Values the docs site must never hold: the pseudonym key, when one is set."""
    key = os.environ.get("CSC_PSEUDONYM_KEY", "")
    return [key] if key.strip() else []


def docs_page(manifest: dict, catalog: dict, published: set[tuple[str, str]]
              ) -> tuple[str, list[str]]:
    """The static page of the dbt docs site (what `dbt docs generate --static` writes: dbt's
    own index.html with the manifest and the catalog inlined, so it opens from a file with
    no network) and the tables its catalog describes.

    The manifest is the project as written (every model's description, SQL and lineage,
    from the raw sources to the marts); compiled SQL is dropped. The catalog keeps only
    the tables in `published` ((schema, table) of the published file): the schemas the
    published file does not hold (raw, staging, intermediate, reference, linkage) are on
    the site as code and lineage only, never with their columns as built. Raises
    PublishRefused when the page would hold the pseudonym key."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    manifest = {**manifest, "nodes": {
        uid: {**node, "compiled_code": None, "compiled": False} if "compiled_code" in node
        else node for uid, node in (manifest.get("nodes") or {}).items()}}
    kept = {kind: {uid: entry for uid, entry in (catalog.get(kind) or {}).items()
                   if (entry["metadata"]["schema"], entry["metadata"]["name"]) in published}
            for kind in ("nodes", "sources")}
    catalog = {**catalog, **kept}
    manifest_text, catalog_text = json.dumps(manifest), json.dumps(catalog)
    for secret in _secrets():
        if secret in manifest_text or secret in catalog_text:
            raise PublishRefused("docs site not published: it would hold the pseudonym key "
                                 "(CSC_PSEUDONYM_KEY)")
    page = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    for placeholder, text in (('"MANIFEST.JSON INLINE DATA"', manifest_text),
                              ('"CATALOG.JSON INLINE DATA"', catalog_text)):
        if placeholder not in page:
            raise RuntimeError(f"dbt's docs page has no {placeholder} to fill (dbt changed?)")
        page = page.replace(placeholder, text)
    tables = sorted(f"{e['metadata']['schema']}.{e['metadata']['name']}"
                    for entries in kept.values() for e in entries.values())
    return page, tables


def publish_docs_site(paths: WarehousePaths) -> DocsSite:
    """Write the dbt docs site of the published marts to `paths.docs_index` (docs_page)
    and swap it in: written beside it, then renamed over it, so a reader sees the old page
    or the new one, never half of one. Call after the publication (the catalog is checked
    against the published file)."""
    from csc.build import dbt_docs_artifacts

    manifest, catalog = dbt_docs_artifacts(paths.work)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        published = set(published_tables(con, con.execute(
            "select current_database()").fetchone()[0]))
    page, tables = docs_page(manifest, catalog, published)
    target = paths.docs_index
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.publishing")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(page)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    models = sum(1 for n in manifest.get("nodes", {}).values()
                 if n.get("resource_type") == "model")
    return DocsSite(path=target, models=models, catalog_tables=tables,
                    size=target.stat().st_size)


def publish(paths: WarehousePaths, incremental: bool = True) -> list[str]:
    """Publish without a run (tools and tests); return the published tables."""
    return publish_warehouse(paths, incremental=incremental).tables
