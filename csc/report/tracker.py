"""The First Contact tracker the peer diagnostic asked for: contacts still awaiting a
decision more than 5 working days after the contact date, oldest first.

Read, in order of preference, from:
1. the child-level list behind the measure `first_contact_over_5wd`
   (`marts.measure_records`, rows in its numerator for the report's period: the position
   at the period end, computed by dbt with the warehouse's own working-day calendar);
2. the contacts fact of the star schema (`marts.fct_contacts`), as at the latest extract
   (contact_id, contact_date and decision_date needed; team, worker, child and source
   shown when present), working days counted here with the `holidays` package, the same
   source the warehouse's bank-holiday seed is built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

import duckdb
import holidays
import numpy as np

from csc.report.periods import ReportingPeriod

MEASURE_RECORDS = "marts.measure_records"
CONTACTS_FACT = "marts.fct_contacts"
TRACKER_MEASURE = "first_contact_over_5wd"
THRESHOLD_WORKING_DAYS = 5
REQUIRED = ("contact_id", "contact_date", "decision_date")
# Shown when present, first name found wins.
OPTIONAL = {
    "child": ("child_id", "child_key", "person_key", "pseudonymous_child_id"),
    "team": ("team_id", "team", "team_name"),
    "worker": ("worker_id", "worker", "worker_name"),
    "source": ("referrer", "contact_source", "source"),
}


@dataclass(frozen=True)
class AwaitingContact:
    contact_id: str
    contact_date: date
    working_days: int
    child: str | None
    team: str | None
    worker: str | None
    source: str | None


@dataclass
class Tracker:
    as_of: date | None
    contacts: list[AwaitingContact] = field(default_factory=list)
    note: str | None = None
    source: str | None = None


@lru_cache(maxsize=64)
def _bank_holidays(first_year: int, last_year: int) -> tuple[np.datetime64, ...]:
    days = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return tuple(np.datetime64(d) for d in days)


def working_days_after(start: date, end: date) -> int:
    """Working days d with start < d <= end (measures.md's "within N working days")."""
    if end <= start:
        return 0
    return int(np.busday_count(np.datetime64(start + timedelta(days=1)),
                               np.datetime64(end + timedelta(days=1)),
                               holidays=list(_bank_holidays(start.year, end.year))))


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    return {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
        [schema, name]).fetchall()}


def _from_measure_records(con: duckdb.DuckDBPyConnection, la_code: str,
                          period: str) -> Tracker | None:
    rows = con.execute(
        f"""select cast(record_id as varchar), start_date, working_days, child_id, team_id,
                   worker_id, event_date
            from {MEASURE_RECORDS}
            where la_code = ? and measure_id = ? and reporting_period = ? and in_numerator
            order by start_date, record_id""", [la_code, TRACKER_MEASURE, period]).fetchall()
    any_rows = con.execute(f"select count(*) from {MEASURE_RECORDS} where measure_id = ?",
                           [TRACKER_MEASURE]).fetchone()[0]
    if not any_rows:
        return None  # the list exists but not for this measure: try the fact
    as_of = rows[0][6] if rows else ReportingPeriod.parse(period).end
    contacts = [AwaitingContact(r[0], r[1], int(r[2]) if r[2] is not None else
                                working_days_after(r[1], r[6]), r[3], r[4], r[5], None)
                for r in rows]
    return Tracker(as_of, contacts, source=f"{MEASURE_RECORDS} ({TRACKER_MEASURE}, {period})")


def _from_contacts_fact(con: duckdb.DuckDBPyConnection, la_code: str,
                        as_of: date | None) -> Tracker:
    if as_of is None:
        return Tracker(None, note="No extract date is recorded in this warehouse.")
    columns = _columns(con, CONTACTS_FACT)
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return Tracker(as_of, note=f"{CONTACTS_FACT} has no column {', '.join(missing)}: the "
                                   f"tracker needs {', '.join(REQUIRED)}.")
    picked = {k: next((c for c in names if c in columns), None) for k, names in OPTIONAL.items()}
    select = ", ".join(f'cast("{c}" as varchar)' if c else "null" for c in picked.values())
    where_la = "and la_code = ?" if "la_code" in columns else ""
    params: list[object] = [as_of, as_of, *([la_code] if where_la else [])]
    rows = con.execute(
        f"""select cast(contact_id as varchar), cast(contact_date as date), {select}
            from {CONTACTS_FACT}
            where cast(contact_date as date) < ?
              and (decision_date is null or cast(decision_date as date) > ?) {where_la}
            order by contact_date, contact_id""", params).fetchall()
    awaiting = []
    for contact_id, contact_date, child, team, worker, source in rows:
        days = working_days_after(contact_date, as_of)
        if days > THRESHOLD_WORKING_DAYS:
            awaiting.append(AwaitingContact(contact_id, contact_date, days, child, team, worker,
                                            source))
    return Tracker(as_of, awaiting, source=f"{CONTACTS_FACT} as at the latest extract")


def read_tracker(con: duckdb.DuckDBPyConnection, tables: set[str], la_code: str,
                 period: str, latest_extract: date | None) -> Tracker:
    if MEASURE_RECORDS in tables:
        tracker = _from_measure_records(con, la_code, period)
        if tracker is not None:
            return tracker
    if CONTACTS_FACT in tables:
        return _from_contacts_fact(con, la_code, latest_extract)
    records = (f"{MEASURE_RECORDS} has no rows for {TRACKER_MEASURE}"
               if MEASURE_RECORDS in tables else
               f"{MEASURE_RECORDS} (the child-level list of {TRACKER_MEASURE}) is not in this "
               f"warehouse")
    return Tracker(None, note=f"{records} and {CONTACTS_FACT} is not in this warehouse "
                              f"either: the tracker appears once one of them is published.")
