"""The clinic's "records to fix, by team": open problems of the LA from
marts.data_quality_issues, grouped by team, biggest list first, no team last."""

from __future__ import annotations

import duckdb

from csc.report.fixlist import NO_TEAM, read_fix_list


def _issues(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute(
        """create table marts.data_quality_issues as select * from (values
           ('808', 'contacts', 'C1', 'contact_date', 'implausible-date', '2103-05-01',
            'open', 'T1', 'First Contact Team', 'W1', date '2013-07-14'),
           ('808', 'contacts', 'C2', 'outcome', 'not-in-code-list', 'NFA ', 'open', 'T1',
            'First Contact Team', 'W2', date '2013-10-14'),
           ('808', 'referrals', 'R1', 'closure_date', 'end-before-start', '2013-01-01',
            'open', 'T2', 'Assessment Team 1', null, date '2013-10-14'),
           ('808', 'persons', 'P1', 'date_of_birth', 'implausible-date',
            'withheld (personal data)', 'open', null, null, null, date '2013-10-14'),
           ('808', 'contacts', 'C3', 'contact_date', 'required', null, 'fixed', 'T2',
            'Assessment Team 1', null, date '2013-07-14'),
           ('805', 'contacts', 'C9', 'outcome', 'not-in-code-list', 'x', 'open', 'T9',
            'Elsewhere', null, date '2013-07-14'))
           as t(la_code, source_table, record_id, column_name, rule, value, status, team_id,
                team_name, worker_id, first_seen_extract)""")


def test_open_problems_of_the_la_by_team() -> None:
    with duckdb.connect() as con:
        _issues(con)
        fixes = read_fix_list(con, "808")
    assert fixes.note is None and fixes.total == 4
    assert [(t.team, t.total) for t in fixes.teams] == [
        ("First Contact Team", 2), ("Assessment Team 1", 1), (NO_TEAM, 1)]
    first = fixes.teams[0].records[0]
    assert (first.source_table, first.record_id, first.column_name, first.rule, first.value,
            first.worker, first.first_seen) == (
        "contacts", "C1", "contact_date", "implausible-date", "2103-05-01", "W1", "2013-07-14")
    assert fixes.teams[2].records[0].value == "withheld (personal data)"


def test_a_withheld_child_id_is_shown_by_its_child_key() -> None:
    """The published worklist withholds child ids: the clinic shows the start of the
    pseudonymous child_key instead, and other ids as they are."""
    with duckdb.connect() as con:
        _issues(con)
        con.execute("alter table marts.data_quality_issues add column child_key varchar")
        con.execute(
            """update marts.data_quality_issues
               set record_id = 'withheld (child id)', child_key = repeat('ab', 32)
               where record_id = 'P1'""")
        fixes = read_fix_list(con, "808")
    shown = {r.source_table: r.record_id for t in fixes.teams for r in t.records}
    assert shown["persons"] == "child " + "ab" * 6
    assert shown["referrals"] == "R1"


def test_a_warehouse_without_the_worklist_says_so() -> None:
    with duckdb.connect() as con:
        fixes = read_fix_list(con, "808")
    assert fixes.teams == [] and "data_quality_issues" in fixes.note
