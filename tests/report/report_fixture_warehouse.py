"""A published warehouse file built by hand for the report's tests: the published tables
(models/marts/_marts__models.yml) with plausible figures for every catalogue measure, so the
renderer is tested on every layout case before the real marts land.

Deliberate gaps, so the tests see how the report copes:
- single_assessments_45wd has no rows at all;
- the care-leaver measures have no 2012-13 row (the published report printed N/A);
- cafcass_care_applications_rate (period kind `year`) has whole-year rows only;
- cp_plans_2yrs_plus has a zero denominator in 2013-14 Q1 (value NULL).
Three figures are restated between the first report and the latest extract.
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from csc.config import PROJECT_DIR

LA = "808"
PERIODS = [("2012-13", "year", date(2012, 4, 1), date(2013, 3, 31)),
           ("2013-14 Q1", "quarter", date(2013, 4, 1), date(2013, 6, 30)),
           ("2013-14 Q2", "quarter", date(2013, 7, 1), date(2013, 9, 30)),
           ("2013-14 Q3", "quarter", date(2013, 10, 1), date(2013, 12, 31)),
           ("2013-14 Q4", "quarter", date(2014, 1, 1), date(2014, 3, 31))]
AGENCIES = ["CECSC - Schools", "CECSC - Social Care", "Health - Health Visitor Service",
            "Housing", "Other Education Support/Settings"]
TEAMS = ["Assessment North", "Assessment South", "First Contact"]
# marts.dim_teams: a name for two of the teams (the third has no worker naming it)
TEAM_NAMES = [{"team_key": f"808:{t}", "la_code": "808", "team_id": t, "team_name": name,
               "workers": 2} for t, name in [("Assessment North", "North assessment team"),
                                             ("Assessment South", "South assessment team")]]
WORKERS = ["W0001", "W0002", "W0003", "W0004"]
BY_TEAM_AND_WORKER = ("contacts", "initial_assessments_10wd", "first_contact_over_5wd")
REFERRERS = ["Police", "Individuals", "Education - Head Teacher", "Health - Health Visitor",
             "Other Agency", "Housing"]
OUTCOMES = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed"]
# (measure, period, breakdown_value or None) -> how the latest extract differs.
RESTATED = {("contacts", "2013-14 Q2", None): 7, ("icpc_15wd", "2013-14 Q3", None): 2,
            ("caf2_commenced", "2013-14 Q1", "Housing"): 1}
LATEST_EXTRACT = date(2014, 4, 7)


def catalogue() -> pd.DataFrame:
    with (PROJECT_DIR / "seeds" / "process_model_measures.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    frame = pd.DataFrame(rows)
    frame["display_order"] = frame["display_order"].astype(int)
    frame["tolerance"] = frame["tolerance"].astype(float)
    return frame


def _value(unit: str, numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None:
        return None
    if unit == "count":
        return float(numerator)
    if not denominator:
        return None
    scale = 100.0 if unit == "percent" else 10000.0
    return round(scale * numerator / denominator, 1)


def _direction(unit: str, polarity: str, tolerance: float, value, previous) -> str | None:
    if value is None or previous is None:
        return None
    if unit == "percent":
        change = value - previous
    elif previous == 0:
        change = 0 if value == 0 else 100
    else:
        change = 100.0 * (value - previous) / previous
    if abs(change) <= tolerance:
        return "same"
    if polarity == "neutral":
        return None
    return "improved" if (change > 0) == (polarity == "up") else "worsened"


def _counts(rng: np.random.Generator, m: dict, period_type: str,
            scale: float = 1.0) -> tuple[float | None, float | None]:
    unit, kind = m["unit"], m["period_kind"]
    years = 4 if (period_type == "year" and kind == "quarter") else 1
    if unit == "count":
        return float(int(rng.integers(150, 1700) * years * scale)), None
    if unit == "rate_per_10k":
        return float(int(rng.integers(60, 120))), 42_100.0  # per 10,000 children aged 0-17
    denominator = int(rng.integers(40, 2400) * years * scale)
    numerator = int(rng.binomial(denominator, rng.uniform(0.05, 0.95)))
    return float(numerator), float(denominator)


def figure_rows() -> list[dict]:
    rng = np.random.default_rng(808)
    rows: list[dict] = []
    for m in catalogue().to_dict("records"):
        mid = m["measure_id"]
        if mid == "single_assessments_45wd":
            continue
        breakdowns: list[tuple[str | None, str | None, float]] = [(None, None, 1.0)]
        if mid == "caf2_commenced":
            breakdowns += [("initiating_agency", a, 0.2) for a in AGENCIES]
        if mid in BY_TEAM_AND_WORKER:
            breakdowns += [("team", t, 0.33) for t in TEAMS]
            breakdowns += [("worker", w, 0.2) for w in WORKERS]
        if mid == "open_cases_at_period_end":  # the caseloads, and the cases nobody holds
            breakdowns += [("team", t, 0.3) for t in TEAMS + ["unallocated"]]
            breakdowns += [("worker", w, 0.2) for w in WORKERS + ["unallocated"]]
        if mid == "unallocated_cases_at_period_end":  # a few per team, none in First Contact
            breakdowns += [("team", t, 0.01) for t in TEAMS[:2] + ["unallocated"]]
        for by, value_of, scale in breakdowns:
            previous: dict[str, float | None] = {}
            for label, ptype, start, end in PERIODS:
                if m["period_kind"] == "year" and ptype != "year":
                    continue
                if mid.startswith("care_leavers") and ptype == "year":
                    continue
                numerator, denominator = _counts(rng, m, ptype, scale)
                if mid == "cp_plans_2yrs_plus" and label == "2013-14 Q1" and by is None:
                    numerator, denominator = 0.0, 0.0
                value = _value(m["unit"], numerator, denominator)
                direction = _direction(m["unit"], m["polarity"], m["tolerance"], value,
                                       previous.get(ptype))
                previous[ptype] = value
                rows.append({
                    "la_code": LA, "measure_id": mid, "reporting_period": label,
                    "window_start": start, "window_end": end,
                    "as_at": end + timedelta(days=7), "breakdown_by": by,
                    "breakdown_value": value_of, "numerator": numerator,
                    "denominator": denominator, "value": value, "unit": m["unit"],
                    "polarity": m["polarity"], "direction": direction})
    return rows


def restated_rows(as_reported: list[dict]) -> list[dict]:
    restated = []
    for row in as_reported:
        row = dict(row)
        row.pop("as_at")
        delta = RESTATED.get((row["measure_id"], row["reporting_period"],
                              row["breakdown_value"]))
        if delta:
            row["numerator"] += delta
            row["value"] = _value(row["unit"], row["numerator"], row["denominator"])
        restated.append(row)
    return restated


def contact_outcomes() -> list[dict]:
    rng = np.random.default_rng(1586)
    return [{"la_code": LA, "reporting_period": label, "referrer": r, "outcome": o,
             "contacts": int(rng.integers(0, 160))}
            for label, ptype, _, _ in PERIODS if ptype == "quarter"
            for r in REFERRERS for o in OUTCOMES]


def table1_as_reported() -> list[dict]:
    """Table 1 as first reported: the latest figures, less one late-recorded Police contact
    in every quarter."""
    rows = []
    for row in contact_outcomes():
        row = dict(row)
        end = next(e for label, _, _, e in PERIODS if label == row["reporting_period"])
        row["as_at"] = end + timedelta(days=7)
        if row["referrer"] == "Police" and row["outcome"] == "closed_logged":
            row["contacts"] -= 1
        rows.append(row)
    return rows


# The child-level list behind first_contact_over_5wd at the end of 2013-14 Q4 (31 March
# 2014): (record_id, contact date, working days waiting).
FIRST_CONTACT_Q4 = [("C0100003", date(2014, 3, 24), 5), ("C0100001", date(2014, 3, 10), 15),
                    ("C0100002", date(2014, 3, 20), 7)]


def measure_records() -> list[dict]:
    rows = []
    for i, (record_id, contact_date, days) in enumerate(FIRST_CONTACT_Q4):
        rows.append({"la_code": LA, "measure_id": "first_contact_over_5wd",
                     "reporting_period": "2013-14 Q4", "as_at": LATEST_EXTRACT,
                     "record_type": "contact", "record_id": record_id,
                     "child_id": f"k{i:04d}", "team_id": TEAMS[i % 3],
                     "worker_id": WORKERS[i % 4], "initiating_agency": None,
                     "start_date": contact_date, "event_date": date(2014, 3, 31),
                     "working_days": days, "in_numerator": days > 5})
    # Another measure's list, and another period, which the tracker must not show.
    rows.append(rows[1] | {"measure_id": "initial_assessments_10wd", "record_id": "A1",
                           "record_type": "assessment", "in_numerator": True})
    rows.append(rows[1] | {"reporting_period": "2013-14 Q3", "record_id": "C0099999",
                           "event_date": date(2013, 12, 31)})
    return rows


def contacts_fact() -> list[dict]:
    """Contacts near the latest extract: some decided, some still waiting."""
    rows = []
    for i, days_before in enumerate([1, 3, 6, 9, 12, 20, 30]):
        contact_date = LATEST_EXTRACT - timedelta(days=days_before)
        decided = i % 3 == 0
        rows.append({"la_code": LA, "contact_id": f"C{i:07d}", "child_id": f"K{i:05d}",
                     "contact_date": contact_date,
                     "decision_date": contact_date + timedelta(days=1) if decided else None,
                     "outcome": "closed_logged" if decided else None,
                     "team_id": TEAMS[i % 3], "worker_id": WORKERS[i % 4],
                     "contact_source": "Police"})
    return rows


def benchmarks() -> pd.DataFrame:
    """marts.measure_benchmarks for LA 808 in 2013-14 Q4 (as if 152 LAs were loaded): one
    row per headline measure but the Cafcass rate, figures drawn at random. Percentages
    compare as they are; counts as a rate per 10,000."""
    rng = np.random.default_rng(14)
    rows = []
    for m in catalogue().itertuples():
        if m.measure_id == "cafcass_care_applications_rate":
            continue
        unit = "percent" if m.unit == "percent" else "rate_per_10k"
        la, region, england = (round(float(v), 1) for v in rng.uniform(5, 95, 3))
        ranked = m.polarity != "neutral"
        rank = int(rng.integers(1, 153)) if ranked else None
        rows.append({
            "la_code": LA, "measure_id": m.measure_id, "reporting_period": "2013-14 Q4",
            "comparison_unit": unit, "comparison_value": la, "region_name": "North East",
            "region_value": region, "region_la_count": 12, "england_value": england,
            "england_la_count": 152, "england_rank": rank,
            "england_quartile": 1 + 4 * (rank - 1) // 152 if ranked else None,
            "compared_with_region": ("better" if (la > region) == (m.polarity == "up")
                                     else "worse") if ranked else None,
            "compared_with_england": ("better" if (la > england) == (m.polarity == "up")
                                      else "worse") if ranked else None,
        })
    return pd.DataFrame(rows)


def build_fixture_warehouse(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    as_reported = pd.DataFrame(figure_rows())
    restated = pd.DataFrame(restated_rows(figure_rows()))
    cat = catalogue()
    outcomes = pd.DataFrame(contact_outcomes())
    fact = pd.DataFrame(contacts_fact())
    table1_first = pd.DataFrame(table1_as_reported())
    records = pd.DataFrame(measure_records())
    runs = pd.DataFrame([
        {"run_id": "20140407T020000-aaaaaa", "started_at": datetime(2014, 4, 7, 2, 0),
         "finished_at": datetime(2014, 4, 7, 2, 5), "status": "succeeded",
         "validation_result": "passed (marts 40/40, raw 12/12)", "drops_loaded": "2014-04-07"},
        {"run_id": "20140408T020000-bbbbbb", "started_at": datetime(2014, 4, 8, 2, 0),
         "finished_at": datetime(2014, 4, 8, 2, 4), "status": "failed",
         "validation_result": "FAILED (marts 39/40)", "drops_loaded": ""},
    ])
    drops = pd.DataFrame({"extract_date": [end + timedelta(days=7) for *_, end in PERIODS]})
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create schema meta")
        for name, frame in [("marts.measure_values_as_reported", as_reported),
                            ("marts.measure_values", restated),
                            ("marts.measure_catalogue", cat),
                            ("marts.contact_outcomes_by_source", outcomes),
                            ("marts.contact_outcomes_by_source_as_reported", table1_first),
                            ("marts.measure_records", records),
                            ("marts.fct_contacts", fact),
                            ("marts.measure_benchmarks", benchmarks()),
                            ("marts.dim_teams", pd.DataFrame(TEAM_NAMES)),
                            ("meta.refresh_runs", runs), ("meta.loaded_drops", drops)]:
            con.register("frame", frame)
            con.execute(f"create table {name} as select * from frame")
            con.unregister("frame")
        for table in ("marts.contact_outcomes_by_source",
                      "marts.contact_outcomes_by_source_as_reported"):
            con.execute(f"alter table {table} alter contacts type bigint")
        con.execute("alter table marts.measure_records alter initiating_agency type varchar")
        for table in ("marts.measure_values_as_reported", "marts.measure_values"):
            for column in ("numerator", "denominator", "value"):
                # pandas holds a missing float as NaN; the contract's missing is NULL.
                con.execute(f"update {table} set {column} = null where isnan({column})")
    return path
