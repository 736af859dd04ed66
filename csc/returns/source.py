"""The records a statutory return is written from: the RAISE staging models of the work
database (`staging.stg_raise__*`), every record as it stood on one loaded extract date.

The work database alone holds the identifiers a return needs (UPN, date of birth,
postcodes); the published warehouse has none of them, so a return is never read from it.
A version is in force on an extract date when it was valid from on or before that date and
not closed by then (the rule of the dbt macro `in_force_at`, macros/calendar.sql).

Columns and tables added by a later version of the extract contract (v2: postcodes,
category of need, CIN plans, missing episodes ...) may be absent from an older work
database: they read as empty, so a return from such a warehouse is written with what it has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from csc.config import limit_memory


class ReturnsError(Exception):
    """A return cannot be written as asked (bad year, extract date, LA, missing file)."""


# The columns each return reads, per staging model (stg_raise__<table>).
COLUMNS: dict[str, list[str]] = {
    "persons": ["person_id", "date_of_birth", "date_of_death", "sex", "ethnicity", "upn",
                "upn_unknown", "disabilities", "uasc", "uasc_ceased_date", "mother",
                "mother_child_dob"],
    "cla_episodes": ["episode_id", "person_id", "start_date", "reason_new_episode",
                     "legal_status", "placement_type", "placement_provider", "end_date",
                     "reason_ceased", "reason_place_change", "category_of_need",
                     "home_postcode", "placement_postcode", "placement_urn"],
    "cla_reviews": ["review_id", "person_id", "review_date", "participation_code"],
    "care_leaver_contacts": ["person_id", "contact_date", "in_touch", "activity",
                             "accommodation"],
    "referrals": ["referral_id", "person_id", "referral_date", "referral_source_code",
                  "referral_nfa", "closure_date", "closure_reason", "primary_need_code"],
    "assessments": ["assessment_id", "referral_id", "person_id", "assessment_type",
                    "start_date", "completed_date", "authorisation_date", "factors"],
    "s47_enquiries": ["s47_id", "referral_id", "person_id", "start_date", "end_date",
                      "icpc_required"],
    "cp_conferences": ["conference_id", "person_id", "s47_id", "cp_plan_id",
                       "conference_type", "conference_date", "outcome_plan"],
    "cp_plans": ["cp_plan_id", "person_id", "start_date", "end_date", "initial_category",
                 "latest_category"],
    "cin_plans": ["cin_plan_id", "person_id", "referral_id", "start_date", "end_date"],
    "missing_episodes": ["missing_id", "person_id", "missing_type", "start_date",
                         "end_date"],
    "adoptions": ["person_id", "date_placed", "date_placed_ceased", "reason_placed_ceased"],
}
DATE_COLUMNS = {c for cols in COLUMNS.values() for c in cols
                if c.endswith("_date") or c.startswith("date_") or c == "mother_child_dob"}


@dataclass(frozen=True)
class CollectionYear:
    """A DfE collection year, e.g. 2023-24: 1 April 2023 to 31 March 2024."""

    label: str
    start: date
    end: date

    @property
    def end_year(self) -> int:
        return self.end.year

    # The DfE's changes to the returns' codes, each from the first collection year that
    # has it (the year is named by the March it ends in). A return is written in the codes
    # of its own year, whatever the date of the extract it is written from.

    @property
    def cin_sex_element(self) -> str:
        """The CIN census element for the child's sex: `GenderCurrent` to 2023-24, `Sex`
        from 2024-25 (the DfE's 2024-25 CIN census specification renamed it)."""
        return "GenderCurrent" if self.end_year < 2025 else "Sex"

    @property
    def sex_as_letters(self) -> bool:
        """The 903's SEX is the letter M, F or U (not known) from 2024-25 (903 rule 101);
        to 2023-24 it was the number 1 (male) or 2 (female)."""
        return self.end_year >= 2025

    @property
    def new_placement_codes(self) -> bool:
        """The 903's placement types of the 2025-26 return (K3 replacing H5, Z11-Z14
        replacing Z1), which LAs recoded their open episodes to on 1 April 2025: from
        2025-26 on."""
        return self.end_year >= 2026

    @classmethod
    def parse(cls, label: str) -> CollectionYear:
        text = (label or "").strip()
        parts = text.split("-")
        try:
            first = int(parts[0])
            second = int(parts[1]) if len(parts) == 2 else None
        except (ValueError, IndexError):
            second = -1
            first = 0
        if (len(parts) != 2 or len(parts[0]) != 4 or second is None
                or (len(parts[1]) == 2 and second != (first + 1) % 100)
                or (len(parts[1]) == 4 and second != first + 1)
                or len(parts[1]) not in (2, 4)):
            raise ReturnsError(f"the collection year must look like 2023-24 (1 April 2023 to "
                               f"31 March 2024): got {label!r}")
        return cls(label=f"{first}-{(first + 1) % 100:02d}", start=date(first, 4, 1),
                   end=date(first + 1, 3, 31))


class ReturnSource:
    """Read-only access to one work database's records as at one loaded extract date."""

    def __init__(self, work_db: Path):
        if not Path(work_db).exists():
            raise ReturnsError(f"no work database at {work_db} (a return is written from "
                               "the work database beside the published warehouse: run "
                               "`csc refresh` first)")
        self.path = Path(work_db)
        self.con = duckdb.connect(str(work_db), read_only=True)
        limit_memory(self.con)
        self._columns = self._existing_columns()

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> ReturnSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _existing_columns(self) -> dict[str, set[str]]:
        rows = self.con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'staging' and table_name like 'stg_raise__%'").fetchall()
        found: dict[str, set[str]] = {}
        for table, column in rows:
            found.setdefault(table.removeprefix("stg_raise__"), set()).add(column)
        return found

    def extract_dates(self) -> list[date]:
        try:
            rows = self.con.execute(
                "select extract_date from meta.loaded_drops order by extract_date").fetchall()
        except duckdb.CatalogException:
            rows = []
        return [row[0] for row in rows]

    def la_codes(self, as_at: date) -> list[str]:
        if "persons" not in self._columns:
            return []
        rows = self.con.execute(
            "select distinct la_code from staging.stg_raise__persons "
            "where valid_from <= ? and (valid_to is null or valid_to > ?) order by la_code",
            [as_at, as_at]).fetchall()
        return [row[0] for row in rows]

    def first_referral_date(self, as_at: date) -> date | None:
        """The earliest referral in the data as it stood on `as_at`: where its history
        begins."""
        if "referrals" not in self._columns:
            return None
        return self.con.execute(
            "select min(referral_date) from staging.stg_raise__referrals "
            "where valid_from <= ? and (valid_to is null or valid_to > ?)",
            [as_at, as_at]).fetchone()[0]

    def has(self, table: str, column: str | None = None) -> bool:
        return table in self._columns and (column is None or column in self._columns[table])

    def records(self, table: str, la_code: str, as_at: date) -> pd.DataFrame:
        """The records of stg_raise__<table> for one LA in force on `as_at`, with the
        columns of COLUMNS[table] (a column the work database lacks reads as empty)."""
        wanted = COLUMNS[table]
        if table not in self._columns:
            frame = pd.DataFrame({column: pd.Series(dtype=object) for column in wanted})
        else:
            present = self._columns[table]
            select = ", ".join(column if column in present else f"null as {column}"
                               for column in wanted)
            frame = self.con.execute(
                f"select {select} from staging.stg_raise__{table} as t "  # noqa: S608
                "where t.la_code = ? and t.valid_from <= ? "
                "and (t.valid_to is null or t.valid_to > ?)",
                [la_code, as_at, as_at]).df()
        for column in wanted:
            if column in DATE_COLUMNS:
                frame[column] = pd.to_datetime(frame[column], errors="coerce")
            elif column not in ("referral_nfa", "outcome_plan", "icpc_required", "uasc",
                                "mother"):
                frame[column] = frame[column].astype(object).where(
                    frame[column].notna(), None)
        return frame
