"""Load extract drops into the raw layer of the work database, keeping history.

A drop is a folder `<landing>/<YYYY-MM-DD>/{raise,caf,reference}/<table>.csv` holding a full
snapshot of each table. The raw layer keeps each record's versions rather than a copy of
every drop:

    raw.<table>: the contract's columns as text, exactly as delivered, plus
      _record_key  the primary key as one string
      _row_hash    hash of the delivered values (detects change)
      _valid_from  extract date of the first drop holding this version
      _valid_to    extract date of the first drop where it changed or was absent (NULL: current)
      _load_id, _source_file, _row_number   where the version came from

The data as it stood on extract date D is every version with
_valid_from <= D and (_valid_to is null or _valid_to > D).

A drop loads whole or not at all: every file is read and checked first, then the merge runs
in one transaction.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from csc.contract import Contract, Table, load_contract

DROP_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
META_COLUMNS = ["_record_key", "_row_hash", "_valid_from", "_valid_to", "_load_id",
                "_source_file", "_row_number"]


class DropRejected(Exception):
    """A drop failed a check; nothing of it was loaded."""

    def __init__(self, extract_date: str, problems: list[str]):
        self.extract_date = extract_date
        self.problems = problems
        super().__init__(f"drop {extract_date} rejected:\n  " + "\n  ".join(problems))


@dataclass
class LoadResult:
    drops_loaded: list[str] = field(default_factory=list)
    rows_read: int = 0
    versions_added: int = 0
    versions_closed: int = 0


def find_drops(landing: Path) -> list[str]:
    """Extract dates of the drop folders under `landing`, oldest first."""
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and DROP_DIR.match(p.name))


def file_checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_schemas(con: duckdb.DuckDBPyConnection, contract: Contract) -> None:
    con.execute("create schema if not exists raw")
    con.execute("create schema if not exists meta")
    con.execute(
        """create table if not exists meta.loaded_drops (
            extract_date date primary key, load_id varchar, loaded_at timestamp,
            files integer, rows_read bigint, versions_added bigint, versions_closed bigint)"""
    )
    con.execute(
        """create table if not exists meta.loaded_files (
            extract_date date, table_name varchar, source_file varchar, sha256 varchar,
            rows_read bigint, primary key (extract_date, table_name))"""
    )
    for table in contract.tables.values():
        cols = ", ".join(f'"{c}" varchar' for c in table.column_names)
        con.execute(
            f"""create table if not exists raw.{table.name} ({cols},
                _record_key varchar, _row_hash varchar, _valid_from date, _valid_to date,
                _load_id varchar, _source_file varchar, _row_number bigint)"""
        )


def loaded_drops(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select strftime(extract_date, '%Y-%m-%d') from meta.loaded_drops")
    return {r[0] for r in rows.fetchall()}


def _read_table_sql(table: Table, path: Path) -> str:
    """A select over the CSV with every contract column as text, plus key, hash, row number."""
    columns = ", ".join(f"'{c}': 'VARCHAR'" for c in table.column_names)
    key = " || '|' || ".join(f"coalesce(\"{c}\", '')" for c in table.key)
    hashed = ", ".join(f"coalesce(\"{c}\", '\\N')" for c in table.column_names)
    src = str(path).replace("'", "''")
    return f"""
        select *, {key} as _record_key, md5(concat_ws(chr(31), {hashed})) as _row_hash
        from (
            select *, row_number() over () + 1 as _row_number
            from read_csv('{src}', header = true, columns = {{{columns}}},
                          auto_detect = false, quote = '"', escape = '"', strict_mode = true)
        )"""


def load_drop(con: duckdb.DuckDBPyConnection, landing: Path, extract_date: str,
              contract: Contract) -> LoadResult:
    """Check and load one drop in one transaction. Raises DropRejected on a bad drop."""
    drop_dir = landing / extract_date
    problems: list[str] = []
    files: dict[str, Path] = {}
    for table in contract.tables.values():
        path = drop_dir / table.relative_path
        if path.exists():
            files[table.name] = path
        elif not table.optional:
            problems.append(f"{path}: missing file (the contract requires {table.relative_path})")
    if problems:
        raise DropRejected(extract_date, problems)

    load_id = uuid.uuid4().hex[:12]
    result = LoadResult(drops_loaded=[extract_date])
    con.execute("begin transaction")
    try:
        for name, path in files.items():
            table = contract.table(name)
            con.execute(f"create or replace temp table _incoming as {_read_table_sql(table, path)}")
            n = con.execute("select count(*) from _incoming").fetchone()[0]
            closed = con.execute(
                f"""update raw.{name} as r set _valid_to = ?::date
                    where r._valid_to is null and not exists (
                        select 1 from _incoming i
                        where i._record_key = r._record_key and i._row_hash = r._row_hash)""",
                [extract_date],
            ).fetchone()[0]
            cols = ", ".join(f'"{c}"' for c in table.column_names)
            added = con.execute(
                f"""insert into raw.{name} ({cols}, {", ".join(META_COLUMNS)})
                    select {cols}, _record_key, _row_hash, ?::date, null, ?, ?, _row_number
                    from _incoming i
                    where not exists (
                        select 1 from raw.{name} r
                        where r._valid_to is null and r._record_key = i._record_key
                          and r._row_hash = i._row_hash)""",
                [extract_date, load_id, str(path.relative_to(landing))],
            ).fetchone()[0]
            con.execute(
                "insert into meta.loaded_files values (?::date, ?, ?, ?, ?)",
                [extract_date, name, str(path.relative_to(landing)), file_checksum(path), n],
            )
            result.rows_read += n
            result.versions_added += added
            result.versions_closed += closed
        con.execute(
            "insert into meta.loaded_drops values (?::date, ?, ?, ?, ?, ?, ?)",
            [extract_date, load_id, datetime.now(), len(files), result.rows_read,
             result.versions_added, result.versions_closed],
        )
        con.execute("drop table if exists _incoming")
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        raise DropRejected(extract_date, [f"{drop_dir}: {exc}"]) from exc
    return result


def load_new_drops(landing: Path, work_db: Path, contract: Contract | None = None) -> LoadResult:
    """Load, oldest first, every drop under `landing` that the work database has not loaded."""
    contract = contract or load_contract()
    work_db.parent.mkdir(parents=True, exist_ok=True)
    total = LoadResult()
    with duckdb.connect(str(work_db)) as con:
        ensure_schemas(con, contract)
        done = loaded_drops(con)
        for extract_date in find_drops(landing):
            if extract_date in done:
                continue
            date.fromisoformat(extract_date)  # a folder named like a date must be one
            one = load_drop(con, landing, extract_date, contract)
            total.drops_loaded += one.drops_loaded
            total.rows_read += one.rows_read
            total.versions_added += one.versions_added
            total.versions_closed += one.versions_closed
    return total
