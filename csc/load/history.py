"""Merge a checked drop into the raw history (type-2 versions, one per change).

Drops are full snapshots, so the history keeps each record's versions rather than a copy of
every drop. For one table and one drop dated D, the snapshot is compared with the versions
current before D (`_valid_to is null`) by record key and row hash, in one full outer join:

- same key, same hash: unchanged, nothing is written;
- same key, new hash: the current version is closed (`_valid_to = D`), the new one added;
- key only in the drop: a new record, its first version added;
- key only in the history: the record was deleted in the source; its version is closed and
  a row goes to meta.record_deletions. If it comes back later, a new version starts then.

What is written grows with what changed, not with the size of the snapshot.

The data as it stood on extract date D:
    _valid_from <= D and (_valid_to is null or _valid_to > D)
Deletions, from raw alone: a closed version with no version of the same record starting on
the day it closed (or from meta.record_deletions).
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from csc.load.checks import StagedFile, ident, lit
from csc.load.manifest import META_COLUMNS


@dataclass
class TableChanges:
    versions_added: int
    versions_closed: int
    records_deleted: int


def merge_table(con: duckdb.DuckDBPyConnection, sf: StagedFile, extract_date: str,
                load_id: str) -> TableChanges:
    """Merge one staged snapshot into raw.<table>; call inside the drop's transaction."""
    name = sf.table.name
    if sf.staged is None:  # a header-only file: every current record was deleted
        deleted = con.execute(
            f"""insert into meta.record_deletions
                select {lit(name)}, _record_key, ?::date, ?
                from raw.{name} where _valid_to is null""", [extract_date, load_id]
        ).fetchone()[0]
        if deleted:
            con.execute(f"update raw.{name} set _valid_to = ?::date where _valid_to is null",
                        [extract_date])
        return TableChanges(0, deleted, deleted)
    con.execute(
        f"""create or replace temp table _changes as
            select coalesce(s._record_key, r._record_key) as _record_key,
                   r._row_hash as old_hash, s._row_hash as new_hash, s.rowid as staged_rowid
            from (select _record_key, _row_hash from raw.{name} where _valid_to is null) r
            full outer join (select rowid, _record_key, _row_hash from {sf.staged}) s
              on s._record_key = r._record_key
            where r._row_hash is distinct from s._row_hash""")
    closed = con.execute(
        f"""update raw.{name} as r set _valid_to = ?::date
            from _changes c
            where r._valid_to is null and c.old_hash is not null
              and r._record_key = c._record_key""", [extract_date]).fetchone()[0]
    deleted = con.execute(
        f"""insert into meta.record_deletions
            select {lit(name)}, _record_key, ?::date, ?
            from _changes where new_hash is null""", [extract_date, load_id]).fetchone()[0]
    cols = ", ".join(ident(c) for c in sf.table.column_names)
    added = con.execute(
        f"""insert into raw.{name} ({cols}, {", ".join(META_COLUMNS)}, _left_out)
            select {cols}, s._record_key, s._row_hash, ?::date, null, ?, ?,
                   s.rowid + {sf.row_offset}, s._left_out
            from {sf.staged} s
            semi join _changes c on c.staged_rowid = s.rowid
            order by s.rowid""",
        [extract_date, load_id, sf.relative]).fetchone()[0]
    con.execute("drop table _changes")
    return TableChanges(added, closed, deleted)
