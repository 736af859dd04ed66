"""Find the drops not yet loaded and load them, oldest first, each whole or not at all."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from csc import clock
from csc.config import limit_memory
from csc.contract import Contract, Table
from csc.load.checks import CheckedDrop, check_drop, drop_staged, ident, lit
from csc.load.history import merge_table
from csc.load.manifest import changed_loaded_files, loaded_drops
from csc.load.problems import DropRejected, LoadedDropChanged, Problem
from csc.load.quarantine import quarantine_drop, release_drop, remove_reports
from csc.ssd_contract import contract_for, landing_source

DROP_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass
class LoadResult:
    drops_loaded: list[str] = field(default_factory=list)
    rows_read: int = 0
    versions_added: int = 0
    versions_closed: int = 0
    records_deleted: int = 0
    # records flagged by a record-level rule in the drops loaded (rule -> rows), treated
    # and listed in meta.record_problems
    record_problems: dict[str, int] = field(default_factory=dict)
    # where the time went: reading + checking, merging (up to commit), closing the
    # database (DuckDB writes the new versions to the file at its checkpoint)
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, other: LoadResult) -> None:
        self.drops_loaded += other.drops_loaded
        self.rows_read += other.rows_read
        self.versions_added += other.versions_added
        self.versions_closed += other.versions_closed
        self.records_deleted += other.records_deleted
        for rule, n in other.record_problems.items():
            self.record_problems[rule] = self.record_problems.get(rule, 0) + n
        for step, seconds in other.seconds.items():
            self.seconds[step] = self.seconds.get(step, 0.0) + seconds


def find_drops(landing: Path) -> list[str]:
    """Extract dates of the drop folders under `landing`, oldest first."""
    if not landing.is_dir():
        raise FileNotFoundError(f"landing folder {landing} does not exist")
    return sorted(p.name for p in landing.iterdir() if p.is_dir() and DROP_DIR.match(p.name))


def _order_problems(extract_date: str, newest_loaded: str | None,
                    today: date | None = None) -> list[Problem]:
    """A drop must be a real date, not after `today` (default: the clock's), and later
    than every drop already loaded."""
    try:
        dated = date.fromisoformat(extract_date)
    except ValueError:
        return [Problem(f"{extract_date}/", "not-a-drop-date", value=extract_date,
                        detail="name drop folders by the extract date, YYYY-MM-DD")]
    today = today or clock.today()
    if dated > today:
        return [Problem(f"{extract_date}/", "dated-in-the-future", value=extract_date, detail=(
            f"drop folder {extract_date}/ is dated {extract_date}, after today ({today}): "
            "an extract cannot be taken on a day still to come. Check the folder's name "
            "and the clock of the system that exported it; rename the folder to the date "
            "the extract was taken, or move it out of the landing folder"))]
    if newest_loaded is not None and extract_date < newest_loaded:
        return [Problem(f"{extract_date}/", "older-than-loaded", value=extract_date, detail=(
            f"drop {newest_loaded} is already loaded and history cannot be rewritten; "
            "move this folder out of the landing folder (its data can only come back in "
            "a later drop)"))]
    return []


# References to these tables are links to a person responsible, not part of a record's
# chain (contact -> referral -> assessment ...): a reference to a left-out worker is "no link".
# In an SSD drop the same goes for teams, workers and the placement an episode points at.
NO_LINK_PARENTS = {"workers", "ssd_professionals", "ssd_department", "ssd_cla_placement"}


def _person_column(table: Table, columns: set[str]) -> str | None:
    """The column holding the record's person id: `person_id` (RAISE/CAF), or the
    SSD column referring to ssd_person (or ssd_person's own id)."""
    if "person_id" in columns:
        return "person_id"
    for c in table.columns:
        if c.name in columns and (c.parent == ("ssd_person", "pers_person_id")
                                  or (table.name == "ssd_person" and c.name == "pers_person_id")):
            return c.name
    return None


def _leave_out(con: duckdb.DuckDBPyConnection, checked: CheckedDrop) -> None:
    """Temp tables `_left_out(tbl, rid)`: records the models leave out, and
    `_unlinked(tbl, rid, col)`: clean references to a left-out record stored empty.

    A record is left out when a required value is missing or unusable, or a reference in
    its chain (any parent but a worker) is broken: without it the record cannot be placed
    in time, given to a child or tied to the case it belongs to. Records whose chain
    reference points at a left-out record are left out too (a referral of a left-out
    contact), so the measures stay consistent with one another; a reference to a left-out
    worker is no link."""
    con.execute("create or replace temp table _left_out (tbl varchar, rid bigint)")
    con.execute("create or replace temp table _unlinked (tbl varchar, rid bigint, col varchar)")
    staged = {n: sf for n, sf in checked.files.items() if sf.staged is not None}
    for name, sf in staged.items():
        cols = [c.name for c in sf.table.columns if c.name not in sf.table.key and (
            c.required or (c.parent is not None and c.parent[0] not in NO_LINK_PARENTS))]
        if cols:
            con.execute(f"""insert into _left_out select distinct tbl, rid from _flags
                            where tbl = ? and col in ({", ".join(lit(c) for c in cols)})""",
                        [name])
    links = [(name, sf, c) for name, sf in staged.items() for c in sf.table.columns
             if c.parent is not None and c.parent[0] in staged]
    while True:
        added = 0
        for name, sf, column in links:
            parent = staged[column.parent[0]]
            target = "_unlinked" if column.parent[0] in NO_LINK_PARENTS else "_left_out"
            extra = f", {lit(column.name)}" if target == "_unlinked" else ""
            pv, cv = ident(column.parent[1]), ident(column.name)
            added += con.execute(
                f"""insert into {target}
                    select distinct {lit(name)}, c.rowid{extra}
                    from {sf.staged} c
                    join {parent.staged} p
                      on p.la_code = c.la_code and p.{pv} = c.{cv}
                    join _left_out l on l.tbl = {lit(parent.table.name)} and l.rid = p.rowid
                    where not exists (select 1 from _left_out x
                                      where x.tbl = {lit(name)} and x.rid = c.rowid)
                      and not exists (select 1 from {target} y
                                      where y.tbl = {lit(name)} and y.rid = c.rowid)"""
            ).fetchone()[0]
        if not added:
            break


def treat_record_problems(con: duckdb.DuckDBPyConnection, checked: CheckedDrop,
                          extract_date: str, load_id: str) -> dict[str, int]:
    """List the drop's record-level problems (temp table _flags, from the checks) in
    meta.record_problems, then apply their treatment (csc/load_rules.yml, docs/loading.md)
    to the staged rows before the merge: a flagged value is stored empty, a repeated row is
    loaded once, and records the models cannot use are marked `_left_out` (_leave_out).
    The row hash is that of the delivered values and of the treatment, so a record fixed in
    a later drop, or whose problem went away, is a change. Call inside the load's
    transaction. Returns rows listed per rule."""
    by_rule = dict(con.execute("select rule, count(*) from _flags group by rule order by rule")
                   .fetchall())
    _leave_out(con, checked)
    for sf in checked.files.values():
        if sf.staged is None:
            continue
        name = sf.table.name
        columns = set(sf.facts.header or [])
        record_id = " || '|' || ".join(f"coalesce(s.{ident(c)}, '')" for c in sf.table.key
                                       if c != "la_code")
        team = "s.team_id" if "team_id" in columns else "null"
        worker = "s.worker_id" if "worker_id" in columns else "null"
        person_column = _person_column(sf.table, columns)
        person = f"s.{ident(person_column)}" if person_column else "null"
        pii = ", ".join(lit(c.name) for c in sf.table.columns if c.pii) or "null"
        con.execute(f"alter table {sf.staged} add column _left_out boolean default false")
        con.execute(
            f"""update {sf.staged} as s
                set _row_hash = md5(s._row_hash || '|treated:' || t.tag)
                from (select rid, string_agg(tag, ',' order by tag) as tag from (
                          select rid, coalesce(col, '') || ':' || rule as tag
                          from _flags where tbl = $1
                          union all select rid, 'left-out' from _left_out where tbl = $1
                          union all select rid, col || ':unlinked' from _unlinked
                          where tbl = $1) group by rid) as t
                where s.rowid = t.rid""", [name])
        con.execute(
            f"""insert into meta.record_problems
                select ?::date, ?, {lit(name)}, s.la_code, s._record_key, {record_id},
                       s._row_hash, {lit(sf.relative)}, f.rid + {sf.row_offset},
                       f.col, f.rule, f.value, {team}, {worker},
                       coalesce(f.col in ({pii}), false), {person}
                from _flags f join {sf.staged} s on s.rowid = f.rid
                where f.tbl = {lit(name)}""", [extract_date, load_id])
        for (column,) in con.execute(
                """select distinct col from _flags where tbl = $1 and col is not null
                   union select distinct col from _unlinked where tbl = $1""",
                [name]).fetchall():
            con.execute(f"""update {sf.staged} set {ident(column)} = null
                            where rowid in (select rid from _flags where tbl = $1 and col = $2
                                            union all
                                            select rid from _unlinked
                                            where tbl = $1 and col = $2)""", [name, column])
        con.execute(f"""update {sf.staged} set _left_out = true
                        where rowid in (select rid from _left_out where tbl = ?)""", [name])
        con.execute(f"""delete from {sf.staged} where rowid in (
                            select rid from _flags where tbl = ? and rule = 'duplicate-row')""",
                    [name])
    con.execute("drop table if exists _left_out")
    con.execute("drop table if exists _unlinked")
    return by_rule


def load_drop(con: duckdb.DuckDBPyConnection, landing: Path, extract_date: str,
              contract: Contract, quarantine_dir: Path,
              newest_loaded: str | None = None, today: date | None = None) -> LoadResult:
    """Check one drop, then merge it in one transaction. A drop failing any check is
    quarantined and DropRejected raised; the history is then exactly as it was. `today`
    (default: the clock's, csc.clock) is the date a drop may not be after."""
    started = time.monotonic()
    problems = _order_problems(extract_date, newest_loaded, today)
    checked = None
    if not problems:
        checked = check_drop(con, landing, extract_date, contract)
        problems = checked.problems
    if any(p.structural for p in problems):
        if checked is not None:
            drop_staged(con, checked)
        report = quarantine_drop(con, landing, quarantine_dir, extract_date, problems)
        raise DropRejected(extract_date, problems, str(report))

    assert checked is not None
    load_id = uuid.uuid4().hex[:12]
    result = LoadResult(drops_loaded=[extract_date])
    result.seconds["check"] = time.monotonic() - started
    con.execute("begin transaction")
    try:
        result.record_problems = treat_record_problems(con, checked, extract_date, load_id)
        for sf in checked.files.values():
            changes = merge_table(con, sf, extract_date, load_id)
            con.execute(
                """insert into meta.loaded_files (extract_date, table_name, source_file,
                       sha256, rows_read, size_bytes, modified_ns, versions_added,
                       versions_closed, records_deleted)
                   values (?::date, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [extract_date, sf.table.name, sf.relative, sf.facts.sha256, sf.rows,
                 sf.facts.size, sf.facts.modified_ns, changes.versions_added,
                 changes.versions_closed, changes.records_deleted])
            result.rows_read += sf.rows
            result.versions_added += changes.versions_added
            result.versions_closed += changes.versions_closed
            result.records_deleted += changes.records_deleted
        release_drop(con, extract_date, load_id)
        con.execute(
            """insert into meta.loaded_drops (extract_date, load_id, loaded_at, files,
                   rows_read, versions_added, versions_closed, records_deleted, load_seconds)
               values (?::date, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [extract_date, load_id, datetime.now(), len(checked.files), result.rows_read,
             result.versions_added, result.versions_closed, result.records_deleted,
             round(time.monotonic() - started, 3)])
        con.execute("commit")
        result.seconds["merge"] = time.monotonic() - started - result.seconds["check"]
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        drop_staged(con, checked)
    remove_reports(landing, quarantine_dir, extract_date)
    return result


def load_new_drops(landing: Path, work_db: Path, contract: Contract | None = None,
                   quarantine_dir: Path | None = None) -> LoadResult:
    """Load, oldest first, every drop under `landing` that the work database has not loaded.

    Before anything: files of already-loaded drops must be unchanged (else DropRejected,
    nothing loaded). Then each new drop is checked and loaded in one transaction. The run
    stops at the first drop refused (quarantined, DropRejected raised): drops after it
    wait, so history is only ever appended in extract-date order. Drops loaded before the
    refused one in the same run stay loaded. `quarantine_dir` (default: `quarantine/`
    beside the work database, i.e. `warehouse_paths(...).quarantine`) receives reports when
    the landing folder is not writable. The work database's tables must exist
    (csc.workdb.prepare_work_db). With no `contract`, the landing's source decides it
    (RAISE/CAF or SSD, csc.ssd_contract.landing_source: one source per landing folder).
    """
    work_db.parent.mkdir(parents=True, exist_ok=True)
    quarantine_dir = quarantine_dir or work_db.parent / "quarantine"
    total = LoadResult()
    with duckdb.connect(str(work_db)) as con:
        limit_memory(con)
        if contract is None:
            loaded = [r[0] for r in con.execute(
                "select source_file from meta.loaded_files order by extract_date desc")
                .fetchall()]
            contract = contract_for(landing_source(landing, loaded))
        done = loaded_drops(con)
        changed = changed_loaded_files(con, landing, contract)
        if changed:
            raise LoadedDropChanged(changed[0].file.split("/")[0], changed)
        newest = max(done) if done else None
        today = clock.today()  # one date for the whole run
        for extract_date in find_drops(landing):
            if extract_date in done:
                continue
            total.add(load_drop(con, landing, extract_date, contract, quarantine_dir, newest,
                                today))
            newest = extract_date
        closing = time.monotonic()
    total.seconds["close"] = time.monotonic() - closing
    return total
