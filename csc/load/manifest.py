"""The manifest of what was loaded into the work database (its tables: csc.workdb).

meta.loaded_drops    one row per drop loaded (extract date, load id, counts, seconds)
meta.loaded_files    one row per file loaded, with its sha256, size and modification time
meta.record_deletions  one row per record that disappeared from a drop (table, key, date)
meta.quarantined_drops one row per refused attempt to load a drop, with its report
meta.quarantine_problems every problem found in a refused attempt

A loaded drop's files must not change: each run compares the files still present under
loaded drops with the manifest. Size and modification time are compared first; a file whose
size or time differs is hashed again, and a different hash is refused (history cannot be
rewritten). Files or whole drop folders removed from the landing folder after loading are
fine (landing retention); a contract file appearing in a loaded drop is refused.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from csc.contract import Contract
from csc.load.files import file_checksum
from csc.load.problems import Problem

META_COLUMNS = ["_record_key", "_row_hash", "_valid_from", "_valid_to", "_load_id",
                "_source_file", "_row_number"]


def loaded_drops(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select strftime(extract_date, '%Y-%m-%d') from meta.loaded_drops")
    return {r[0] for r in rows.fetchall()}


def changed_loaded_files(con: duckdb.DuckDBPyConnection, landing: Path,
                         contract: Contract) -> list[Problem]:
    """Files under already-loaded drops that differ from the manifest (or were added)."""
    manifest = con.execute(
        """select strftime(extract_date, '%Y-%m-%d'), table_name, source_file, sha256,
                  size_bytes, modified_ns, strftime(l.loaded_at, '%Y-%m-%d %H:%M')
           from meta.loaded_files f join meta.loaded_drops l using (extract_date)
           order by 1, 2""").fetchall()
    known: dict[str, set[str]] = {}
    problems = []
    for extract_date, table_name, source_file, sha, size, modified, loaded_at in manifest:
        known.setdefault(extract_date, set()).add(table_name)
        path = landing / source_file
        if not path.is_file():
            continue
        stat = path.stat()
        if stat.st_size == size and stat.st_mtime_ns == modified:
            continue
        now = file_checksum(path)
        if now != sha:
            problems.append(Problem(source_file, "changed-after-load", detail=(
                f"loaded on {loaded_at} with sha256 {sha}, now sha256 {now}: history cannot "
                "be rewritten; restore the file as loaded, or deliver the correction in a "
                "new drop")))
    for extract_date, tables in known.items():
        drop_dir = landing / extract_date
        if not drop_dir.is_dir():
            continue
        for table in contract.tables.values():
            if table.name not in tables and (drop_dir / table.relative_path).is_file():
                problems.append(Problem(f"{extract_date}/{table.relative_path}",
                                        "added-after-load", detail=(
                    f"drop {extract_date} was loaded without it; deliver it in a new drop")))
    return problems
