"""A small, clean, internally consistent work database built by hand for the gate's tests.

It has the shape the published marts promise (models/marts/_marts__models.yml): every catalogue
measure for two LAs and five reporting periods (the 2012-13 year and 2013-14 Q1..Q4) in
marts.measure_values and marts.measure_values_as_reported, Table 1 in
marts.contact_outcomes_by_source, the catalogue from the dbt seed, a few raw records that
obey the extract contract, and meta.loaded_files for two drops. Every integrity rule holds;
each test breaks a copy in one way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd

from csc.config import PROJECT_DIR
from csc.contract import load_contract
from csc.workdb import create_tables

LAS = ("808", "805")
SEED = PROJECT_DIR / "seeds" / "process_model_measures.csv"


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    quarter: int | None  # None for a whole financial year

    @property
    def financial_year_start(self) -> date:
        return date(self.end.year if self.end.month > 3 else self.end.year - 1, 4, 1)


PERIODS = (
    Period("2012-13", date(2012, 4, 1), date(2013, 3, 31), None),
    Period("2013-14 Q1", date(2013, 4, 1), date(2013, 6, 30), 1),
    Period("2013-14 Q2", date(2013, 7, 1), date(2013, 9, 30), 2),
    Period("2013-14 Q3", date(2013, 10, 1), date(2013, 12, 31), 3),
    Period("2013-14 Q4", date(2014, 1, 1), date(2014, 3, 31), 4),
)

# Figures for one quarter (a year is four quarters); ytd figures grow by this each quarter.
CONTACTS = 1600
CLOSED_LOGGED = 800
ACTIVE_CAF = 40
REFERRALS, REFERRALS_NFA = 700, 150
TO_ASSESSMENT = 500
CHILDREN_IN_CARE, PLACEMENT_MOVES = 380, 20
PERMANENCE = {"permanence_adoption": 5, "permanence_residence_order": 10,
              "permanence_special_guardianship": 10, "permanence_returned_home": 15}
CAF_AGENCIES = {"CECSC - Schools": 30, "Housing": 10}
REFERRERS = {"Police": 0.6, "Individuals": 0.4}


def _window(kind: str, period: Period) -> tuple[date, date]:
    fy = period.financial_year_start
    if kind == "quarter":
        return period.start, period.end
    if kind == "ytd":
        return fy, period.end
    if kind == "snapshot":
        return period.end, period.end
    if kind == "rolling_12m":
        return date(period.end.year - 1, period.end.month, period.end.day) + timedelta(1), \
            period.end
    return fy, date(fy.year + 1, 3, 31)  # year


def _figures(measure: str, kind: str, unit: str, period: Period
             ) -> list[tuple[str | None, str | None, int, int | None]]:
    """(breakdown_by, breakdown_value, numerator, denominator) rows of one measure."""
    quarters = 4 if period.quarter is None else (period.quarter if kind == "ytd" else 1)
    if kind in ("snapshot", "rolling_12m", "year"):
        quarters = 1
    per_quarter = {
        "contacts": (CONTACTS, None),
        "contacts_closed_logged": (CLOSED_LOGGED, CONTACTS),
        "closed_logged_with_active_caf": (ACTIVE_CAF, CLOSED_LOGGED),
        "referrals_nfa": (REFERRALS_NFA, REFERRALS),
        "contacts_to_assessment": (TO_ASSESSMENT, None),
        "cic_at_period_end": (CHILDREN_IN_CARE, None),
        "cic_placement_stability_moves": (PLACEMENT_MOVES, CHILDREN_IN_CARE),
        "cafcass_care_applications_rate": (75, 30000),
        "caf2_commenced": (sum(CAF_AGENCIES.values()), None),
    }
    if measure in PERMANENCE:
        numerator, denominator = PERMANENCE[measure], sum(PERMANENCE.values())
    elif measure in per_quarter:
        numerator, denominator = per_quarter[measure]
    elif unit == "count":
        numerator, denominator = 12, None
    else:
        numerator, denominator = 45, 90
    scale = quarters if measure not in ("cic_at_period_end", "cic_placement_stability_moves",
                                        "cafcass_care_applications_rate") else 1
    if measure == "cic_placement_stability_moves":
        scale = 1  # ytd numerator over a snapshot denominator
    rows = [(None, None, numerator * scale, None if denominator is None else denominator * scale)]
    if measure == "caf2_commenced":
        rows += [("initiating_agency", agency, n * scale, None)
                 for agency, n in CAF_AGENCIES.items()]
    if unit == "percent":
        rows.append(("team", "T1", numerator * scale, denominator * scale))
    return rows


def _value(unit: str, numerator: int, denominator: int | None) -> float | None:
    if unit == "count":
        return float(numerator)
    if not denominator:
        return None
    factor = 100 if unit == "percent" else 10000
    return round(factor * numerator / denominator, 1)


def _measure_rows(catalogue: list[tuple], las: tuple[str, ...]) -> list[tuple]:
    rows = []
    for la in las:
        for period in PERIODS:
            for measure, kind, unit, polarity in catalogue:
                start, end = _window(kind, period)
                for by, value_of, numerator, denominator in _figures(measure, kind, unit, period):
                    rows.append((la, measure, period.label, start, end,
                                 period.end + timedelta(days=14), by, value_of, numerator,
                                 denominator, _value(unit, numerator, denominator), unit,
                                 polarity, None))
    return rows


def _table1_rows(las: tuple[str, ...]) -> list[tuple]:
    rows = []
    for la in las:
        for period in PERIODS:
            quarters = 4 if period.quarter is None else 1
            totals = {"closed_logged": CLOSED_LOGGED * quarters,
                      "nfa": REFERRALS_NFA * quarters,
                      "proceeded_to_assessment": TO_ASSESSMENT * quarters}
            totals["yet_to_proceed"] = CONTACTS * quarters - sum(totals.values())
            for outcome, total in totals.items():
                police = round(total * REFERRERS["Police"])
                rows += [(la, period.label, "Police", outcome, police),
                         (la, period.label, "Individuals", outcome, total - police)]
    return rows


MEASURE_COLUMNS = """la_code varchar, measure_id varchar, reporting_period varchar,
    window_start date, window_end date, {as_at} breakdown_by varchar, breakdown_value varchar,
    numerator bigint, denominator bigint, value double, unit varchar, polarity varchar,
    direction varchar"""

# Raw records (current versions) that obey the contract: table -> list of column values.
RAW = {
    "persons": [{"la_code": "808", "person_id": "P1", "forename": "Ann", "sex": "F",
                 "ethnicity": "WBRI"}],
    "workers": [{"la_code": "808", "worker_id": "W1", "team_id": "T1",
                 "role": "social_worker"}],
    "contacts": [{"la_code": "808", "contact_id": "C1", "person_id": "P1",
                  "contact_date": "2013-05-01", "contact_source": "Police",
                  "contact_source_code": "5A", "decision_date": "2013-05-02",
                  "outcome": "referral", "worker_id": "W1"}],
    "referrals": [{"la_code": "808", "referral_id": "R1", "contact_id": "C1", "person_id": "P1",
                   "referral_date": "2013-05-02", "referral_nfa": "N",
                   "closure_date": "2013-09-01", "closure_reason": "RC1",
                   "primary_need_code": "N1", "worker_id": "W1"}],
    "assessments": [{"la_code": "808", "assessment_id": "A1", "referral_id": "R1",
                     "person_id": "P1", "assessment_type": "single",
                     "start_date": "2013-05-03", "completed_date": "2013-06-01"}],
    "s47_enquiries": [{"la_code": "808", "s47_id": "S1", "referral_id": "R1", "person_id": "P1",
                       "start_date": "2013-05-03", "end_date": "2013-05-20"}],
    "cp_plans": [{"la_code": "808", "cp_plan_id": "CP1", "person_id": "P1",
                  "start_date": "2013-05-20", "initial_category": "NEG"}],
    "cp_conferences": [{"la_code": "808", "conference_id": "CF1", "person_id": "P1",
                        "s47_id": "S1", "cp_plan_id": "CP1", "conference_type": "initial",
                        "conference_date": "2013-05-20", "outcome_plan": "Y",
                        "child_participation": "attended"}],
    "cla_episodes": [{"la_code": "808", "episode_id": "E1", "person_id": "P1",
                      "start_date": "2013-06-01", "reason_new_episode": "S",
                      "legal_status": "C2", "placement_type": "U1", "end_date": "2013-12-01",
                      "reason_ceased": "E11"}],
    "cla_reviews": [{"la_code": "808", "review_id": "CR1", "person_id": "P1",
                     "review_date": "2013-08-01", "participation_code": "PN1"}],
    "care_leaver_contacts": [{"la_code": "808", "person_id": "P1", "contact_date": "2013-08-01",
                              "in_touch": "YES", "activity": "F1", "accommodation": "B1",
                              "accommodation_suitable": "Y"}],
    "caf_children": [{"la_code": "808", "caf_child_id": "K1", "raise_person_id": "P1"}],
    "caf_assessments": [{"la_code": "808", "caf_id": "F1", "caf_child_id": "K1",
                         "initiating_agency": "Housing", "start_date": "2013-04-10",
                         "closure_date": "2013-10-10"}],
}


def insert_raw(con: duckdb.DuckDBPyConnection, table: str, values: dict[str, str | None],
               valid_to: str | None = None) -> None:
    """One raw version as the loader would store it (current unless `valid_to`)."""
    key = "|".join(values.get(c) or "" for c in load_contract().table(table).key)
    columns = list(values) + ["_record_key", "_row_hash", "_valid_from", "_valid_to",
                              "_load_id", "_source_file", "_row_number"]
    params = list(values.values()) + [key, "hash", "2014-04-14", valid_to, "load1",
                                      f"2014-04-14/{table}.csv", 2]
    con.execute(f"insert into raw.{table} ({', '.join(columns)}) "
                f"values ({', '.join('?' * len(params))})", params)


def build_clean_work_db(path: Path, las: tuple[str, ...] = LAS) -> Path:
    """Write the clean work database to `path`: marts for every LA in `las`, and the raw
    records (above) for each of them too (the LA code replaced)."""
    with duckdb.connect(str(path)) as con:
        create_tables(con, load_contract(), parts=["load"])
        con.execute("create schema marts")
        seed = str(SEED).replace("'", "''")
        con.execute(f"create table marts.measure_catalogue as "
                    f"select * from read_csv('{seed}', header = true)")
        catalogue = con.execute("select measure_id, period_kind, unit, polarity "
                                "from marts.measure_catalogue order by display_order").fetchall()
        # every LA from RAISE/CAF extracts: every figure available
        # (models/marts/measure_availability.sql)
        con.execute("""create table marts.measure_availability as
                       select las.la_code, c.measure_id, 'raise' as source_system,
                              true as has_figures, true as has_breakdowns,
                              cast(null as varchar) as not_available_reason
                       from (select unnest(?::varchar[]) as la_code) as las
                       cross join marts.measure_catalogue as c""", [list(las)])
        columns = ["la_code", "measure_id", "reporting_period", "window_start", "window_end",
                   "as_at", "breakdown_by", "breakdown_value", "numerator", "denominator",
                   "value", "unit", "polarity", "direction"]
        measures = pd.DataFrame(_measure_rows(catalogue, las), columns=columns)
        measures["direction"] = measures["direction"].astype("string")
        con.execute(f"create table marts.measure_values_as_reported "
                    f"({MEASURE_COLUMNS.format(as_at='as_at date,')})")
        con.register("measures_frame", measures)
        con.execute("insert into marts.measure_values_as_reported select * from measures_frame")
        con.execute(f"create table marts.measure_values ({MEASURE_COLUMNS.format(as_at='')})")
        con.execute("""insert into marts.measure_values
                       select * exclude (as_at) from marts.measure_values_as_reported""")
        # the headline rows side by side, as models/marts/measure_headlines.sql builds them
        con.execute("""create table marts.measure_headlines as
                       select latest.* exclude (breakdown_by, breakdown_value),
                              reported.as_at as as_reported_as_at,
                              reported.numerator as as_reported_numerator,
                              reported.denominator as as_reported_denominator,
                              reported.value as as_reported_value,
                              reported.direction as as_reported_direction
                       from marts.measure_values as latest
                       left join marts.measure_values_as_reported as reported
                           on reported.la_code = latest.la_code
                           and reported.measure_id = latest.measure_id
                           and reported.reporting_period = latest.reporting_period
                           and reported.breakdown_by is null
                       where latest.breakdown_by is null""")
        con.execute("""create table marts.contact_outcomes_by_source (la_code varchar,
                       reporting_period varchar, referrer varchar, outcome varchar,
                       contacts bigint)""")
        table1 = pd.DataFrame(_table1_rows(las), columns=["la_code", "reporting_period",
                                                          "referrer", "outcome", "contacts"])
        con.register("table1_frame", table1)
        con.execute("insert into marts.contact_outcomes_by_source select * from table1_frame")
        for table, records in RAW.items():
            for la in las:
                for record in records:
                    insert_raw(con, table, {**record, "la_code": la})
        for extract_date in ("2014-01-14", "2014-04-14"):
            for table in load_contract().tables:
                con.execute("insert into meta.loaded_files (extract_date, table_name, "
                            "source_file, sha256, rows_read) values (?::date, ?, ?, ?, ?)",
                            [extract_date, table, f"{extract_date}/{table}.csv", "sha", 100])
    return path
