"""The clinic's "records to fix, by team": the open record-level problems of the LA's
records (marts.data_quality_issues, docs/loading.md), grouped by the team responsible, so a
manager can hand each team the records its workers should correct in the source system.
A record whose id is a child id is withheld in the published file (`withheld (child id)`):
it is shown by the start of its pseudonymous child_key, and the ids in clear are in
data_quality/records_to_fix.csv beside the work database (csc.fixes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

ISSUES = "marts.data_quality_issues"
NO_TEAM = "No team recorded"
WITHHELD_ID = "withheld (child id)"
CHILD_KEY_SHOWN = 12  # hex digits of child_key shown for a withheld id
SHOWN_PER_TEAM = 50  # rows listed per team (the count says how many there are)


@dataclass(frozen=True)
class RecordToFix:
    source_table: str
    record_id: str
    column_name: str | None
    rule: str
    value: str | None
    worker: str | None
    first_seen: str


@dataclass
class TeamFixes:
    team: str
    total: int
    records: list[RecordToFix] = field(default_factory=list)


@dataclass
class FixList:
    teams: list[TeamFixes] = field(default_factory=list)
    note: str | None = None

    @property
    def total(self) -> int:
        return sum(t.total for t in self.teams)


def read_fix_list(con: duckdb.DuckDBPyConnection, la_code: str) -> FixList:
    """Open problems of `la_code`, teams with most first (no team last)."""
    exists = con.execute(
        """select count(*) from duckdb_tables()
           where schema_name = 'marts' and table_name = 'data_quality_issues'""").fetchone()[0]
    if not exists:
        return FixList(note="This warehouse has no data-quality worklist "
                            f"({ISSUES}) yet: refresh it with the current version.")
    has_child_key = con.execute(
        """select count(*) from duckdb_columns() where schema_name = 'marts'
           and table_name = 'data_quality_issues' and column_name = 'child_key'""").fetchone()[0]
    shown_id = (f"""case when record_id = '{WITHHELD_ID}' and child_key is not null
                    then 'child ' || left(child_key, {CHILD_KEY_SHOWN})
                    else record_id end""" if has_child_key else "record_id")
    rows = con.execute(
        f"""select coalesce(team_name, team_id), source_table, {shown_id} as record_id,
                   column_name, rule,
                   value, worker_id, cast(first_seen_extract as varchar),
                   count(*) over (partition by coalesce(team_name, team_id)) as team_total
            from {ISSUES}
            where la_code = ? and status = 'open'
            order by team_total desc, coalesce(team_name, team_id) nulls last,
                     source_table, record_id, column_name, rule""", [la_code]).fetchall()
    teams: dict[str, TeamFixes] = {}
    for team, table, record_id, column, rule, value, worker, first_seen, total in rows:
        label = team or NO_TEAM
        entry = teams.setdefault(label, TeamFixes(label, total))
        if len(entry.records) < SHOWN_PER_TEAM:
            entry.records.append(RecordToFix(table, record_id, column, rule, value, worker,
                                             first_seen))
    ordered = sorted(teams.values(), key=lambda t: (t.team == NO_TEAM, -t.total, t.team))
    return FixList(teams=ordered)
