"""The First Contact tracker the peer diagnostic asked for: contacts still awaiting a
decision more than 5 working days after the contact date, oldest first.

It is read from the contacts fact of the published star schema (`marts.fct_contacts`) as at
the latest extract in the file (the data's "today"). The fact must have contact_id,
contact_date and decision_date; team, worker, child and source columns are shown when
present. Working days exclude weekends and England & Wales bank holidays, from the same
`holidays` package the warehouse's bank-holiday seed is built from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import duckdb
import holidays
import numpy as np

CONTACTS_FACT = "marts.fct_contacts"
THRESHOLD_WORKING_DAYS = 5
REQUIRED = ("contact_id", "contact_date", "decision_date")
# Shown when present, first name found wins.
OPTIONAL = {
    "child": ("child_id", "child_key", "person_key", "pseudonymous_child_id", "person_id"),
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


def working_days_after(start: date, end: date) -> int:
    """Working days d with start < d <= end (measures.md's "within N working days")."""
    if end <= start:
        return 0
    years = range(start.year, end.year + 1)
    bank_holidays = [np.datetime64(d) for d in holidays.country_holidays(
        "GB", subdiv="ENG", years=years)]
    return int(np.busday_count(np.datetime64(start + timedelta(days=1)),
                               np.datetime64(end + timedelta(days=1)),
                               holidays=bank_holidays))


def read_tracker(con: duckdb.DuckDBPyConnection, tables: set[str], la_code: str,
                 as_of: date | None) -> Tracker:
    if CONTACTS_FACT not in tables:
        return Tracker(as_of, note=f"{CONTACTS_FACT} is not in this warehouse yet: the tracker "
                                   f"appears once the star schema is published.")
    if as_of is None:
        return Tracker(None, note="No extract date is recorded in this warehouse.")
    schema, name = CONTACTS_FACT.split(".")
    columns = {r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ?",
        [schema, name]).fetchall()}
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        return Tracker(as_of, note=f"{CONTACTS_FACT} has no column {', '.join(missing)}: the "
                                   f"tracker needs {', '.join(REQUIRED)}.")
    picked = {k: next((c for c in names if c in columns), None) for k, names in OPTIONAL.items()}
    select = ", ".join(f'cast("{c}" as varchar)' if c else "null" for c in picked.values())
    where_la = "and la_code = ?" if "la_code" in columns else ""
    params: list[object] = [as_of, as_of, as_of]
    if where_la:
        params.append(la_code)
    rows = con.execute(
        f"""select cast(contact_id as varchar), cast(contact_date as date), {select}
            from {CONTACTS_FACT}
            where cast(contact_date as date) <= ?
              and (decision_date is null or cast(decision_date as date) > ?)
              and cast(contact_date as date) < ? {where_la}
            order by contact_date, contact_id""", params).fetchall()
    awaiting = []
    for contact_id, contact_date, child, team, worker, source in rows:
        days = working_days_after(contact_date, as_of)
        if days > THRESHOLD_WORKING_DAYS:
            awaiting.append(AwaitingContact(contact_id, contact_date, days, child, team, worker,
                                            source))
    return Tracker(as_of, awaiting)
