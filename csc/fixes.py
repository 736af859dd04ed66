"""The data-quality worklist with the ids as the case-management system knows them.

The published marts.data_quality_issues withholds child ids (a child appears there only as
the pseudonymous child_key). The workers who correct the records need the ids in clear, so
each successful refresh writes the whole worklist beside the work database, like the
linkage's clerical-review list, never into the published file:
`<warehouse folder>/data_quality/records_to_fix.csv`. It is the mart row for row, with
`record_id` taken from meta.record_problems (the row of the file the mart points at);
values stay withheld as in the mart.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

COLUMNS = ["la_code", "source_table", "record_id", "column_name", "rule", "value",
           "first_seen_extract", "last_seen_extract", "status", "fixed_on_extract",
           "team_id", "team_name", "worker_id", "source_file", "row_number"]


def export_records_to_fix(work_db: Path, path: Path) -> int:
    """Write marts.data_quality_issues of `work_db` to `path` (CSV) with every record id in
    clear, open problems first. Returns the rows written (0, and no file, when the work
    database has no worklist yet)."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        if not con.execute(
                """select count(*) from duckdb_tables() where schema_name = 'marts'
                   and table_name = 'data_quality_issues'""").fetchone()[0]:
            return 0
        frame = con.execute(
            """with ids as (
                   -- a file row is one record: its id whatever the column or rule
                   select distinct la_code, table_name, extract_date, source_file,
                                   row_number, record_id
                   from meta.record_problems
               )
               select issues.la_code, issues.source_table, ids.record_id,
                      issues.column_name, issues.rule, issues.value,
                      cast(issues.first_seen_extract as varchar) as first_seen_extract,
                      cast(issues.last_seen_extract as varchar) as last_seen_extract,
                      issues.status,
                      cast(issues.fixed_on_extract as varchar) as fixed_on_extract,
                      issues.team_id, issues.team_name,
                      issues.worker_id, issues.source_file, issues.row_number
               from marts.data_quality_issues as issues
               left join ids
                   on ids.la_code = issues.la_code
                   and ids.table_name = issues.source_table
                   and ids.extract_date = issues.last_seen_extract
                   and ids.source_file = issues.source_file
                   and ids.row_number = issues.row_number
               order by issues.status desc, issues.la_code, issues.team_name nulls last,
                        issues.source_table, ids.record_id, issues.column_name,
                        issues.rule""").df()
    assert list(frame.columns) == COLUMNS
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return len(frame)
