"""What each reporting quarter of one LA must contain: the calibration targets.

For the Stockton-on-Tees demo the targets are read from the transcription seeds of the
published report (seeds/published_appendix2.csv, seeds/published_table1.csv): the report is
the specification the demo is built to, never a figure the warehouse computes. Other LAs, and
the demo's quarters before 2012-13, get targets from the same profile scaled to the LA's size
with random variation. Everything is per financial quarter; the report's cumulative (ytd)
rows become quarter increments, its whole-year 2012-13 column is split over four quarters.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months, day

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DEMO_LA = "808"
DEMO_YEAR = 2012  # the report's first column is 2012-13; then 2013-14 by quarter
PERIOD_LABELS = ["2012-13", "2013-14 Q1", "2013-14 Q2", "2013-14 Q3", "2013-14 Q4"]
OUTCOMES = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed"]

# Per-quarter target columns (counts of records whose date falls in the quarter unless said).
COUNT_COLUMNS = [
    "contacts", "closed_logged", "nfa", "assessed", "yet", "s47", "ia_done", "ia_timely",
    "ca_done", "ca_timely", "icpc", "icpc_timely", "plans", "plans_second", "plans_late",
    "plan_ends_2y", "plan_ends_same_q", "review_fails", "rereferrals", "cl_caf", "late_contacts",
    "perm_adoption", "perm_residence_order", "perm_special_guardianship", "perm_returned_home",
    "moves3", "leavers_bday", "leavers_suitable", "leavers_eet",
]
# Stocks at the quarter end (NaN where nothing is targeted and the model runs free).
STOCK_COLUMNS = ["cp_stock", "cic_stock", "cin_stock", "long_stay", "long_stay_stable"]
# long_stay: children in care at the quarter end aged under 16 whose period of care began
# 2.5+ years before; long_stay_stable: of those, in the same placement for 2+ years (or
# placed for adoption). Targeted only where the report prints them.


@dataclass
class LaPlan:
    """Targets of one LA over its quarters, plus the restatements its drops must show."""

    la_code: str
    quarters: pd.DataFrame  # index = quarter number; start, end, fy, qn + target columns
    agencies: pd.DataFrame  # quarter x initiating agency: CAF2s commenced
    sources: dict[int, pd.DataFrame]  # quarter -> referrer x outcome counts (exact), optional
    source_mix: pd.DataFrame  # referrer x outcome: shares used where no exact matrix
    restated_nfa: list[tuple[int, int, int, int]] = field(default_factory=list)
    # (referral quarter, NFA decided after day, on or before day, how many)
    single_from: int = 0  # day number single assessments replace initial + core
    calibrated: bool = False
    size: float = 1.0


def quarter_frame(first_fy: int, last_fy: int) -> pd.DataFrame:
    rows = []
    for fy in range(first_fy, last_fy + 1):
        for qn in range(4):
            month = 4 + 3 * qn
            start = day(date(fy + (month > 12), (month - 1) % 12 + 1, 1))
            end = int(add_months(np.array([start]), 3)[0]) - 1
            # `reported`: the extract date of the drop that first reports the quarter
            rows.append({"fy": fy, "qn": qn + 1, "start": start, "end": end,
                         "reported": end + 14})
    return pd.DataFrame(rows)


def _split(total: int, parts: int) -> np.ndarray:
    base = np.full(parts, total // parts)
    base[: total % parts] += 1
    return base


def read_appendix2(path: Path = SEEDS / "published_appendix2.csv") -> pd.DataFrame:
    return pd.read_csv(path, dtype={"breakdown_by": str, "breakdown_value": str},
                       keep_default_na=False, na_values=[""])


def read_table1(path: Path = SEEDS / "published_table1.csv") -> pd.DataFrame:
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    frame = pd.DataFrame(rows)
    frame["contacts"] = frame["contacts"].astype(int)
    return frame.pivot(index="referrer", columns="outcome", values="contacts")[OUTCOMES]


def _profile(a2: pd.DataFrame) -> dict[str, float]:
    """Annual rates per 6,859 contacts (the demo LA's 2012-13), used to scale other LAs."""
    y = a2[(a2.reporting_period == "2012-13") & a2.breakdown_by.isna()].set_index("measure_id")
    n = y["numerator"]
    d = y["denominator"]
    return {
        "contacts": n["contacts"], "cl_share": n["contacts_closed_logged"] / n["contacts"],
        "nfa_share": n["referrals_nfa"] / (n["contacts"] - n["contacts_closed_logged"]),
        "assessed_share": n["contacts_to_assessment"]
        / (n["contacts"] - n["contacts_closed_logged"]),
        "s47_share": n["referrals_to_s47"] / n["contacts_to_assessment"],
        "ia_timely": n["initial_assessments_10wd"] / d["initial_assessments_10wd"],
        "ca_share": d["core_assessments_35wd"] / d["initial_assessments_10wd"],
        "ca_timely": n["core_assessments_35wd"] / d["core_assessments_35wd"],
        "icpc_share": d["icpc_15wd"] / n["referrals_to_s47"],
        "icpc_timely": n["icpc_15wd"] / d["icpc_15wd"],
        "plan_share": d["cp_plans_second_or_subsequent"] / d["icpc_15wd"],
        "second_share": n["cp_plans_second_or_subsequent"] / d["cp_plans_second_or_subsequent"],
        "ends_2y_share": n["cp_plans_2yrs_plus"] / d["cp_plans_2yrs_plus"],
        "cp_stock": n["cp_at_period_end"], "cic_stock": n["cic_at_period_end"],
        "reref_share": n["re_referrals_12m"] / d["re_referrals_12m"],
        "cl_caf_share": n["closed_logged_with_active_caf"] / n["contacts_closed_logged"],
        "adoption": n["permanence_adoption"], "residence_order": n["permanence_residence_order"],
        "special_guardianship": n["permanence_special_guardianship"],
        "returned_home": n["permanence_returned_home"],
        "moves3": n["cic_placement_stability_moves"],
        "review_fail_share": 1 - n["cp_reviews_on_time"] / d["cp_reviews_on_time"],
    }


def _synthetic_quarter(p: dict[str, float], scale: float, rng: np.random.Generator,
                       single: bool) -> dict[str, int]:
    """One quarter of an LA that is not calibrated: the profile, scaled, with noise."""
    def r(x: float) -> int:
        return max(0, int(round(x)))

    noise = 1 + 0.06 * rng.standard_normal()
    c = r(p["contacts"] / 4 * scale * noise)
    cl = r(c * p["cl_share"] * (1 + 0.05 * rng.standard_normal()))
    cl = min(cl, c)
    refs = c - cl
    nfa = r(refs * p["nfa_share"])
    yet = r(refs * 0.03)
    assessed = max(0, refs - nfa - yet)
    s47 = r(assessed * p["s47_share"] * 0.9)
    ia_done = r(assessed * 0.98) if not single else 0
    ca_done = r(ia_done * p["ca_share"])
    icpc = r(s47 * p["icpc_share"])
    plans = min(icpc, r(icpc * p["plan_share"]))
    return {
        "contacts": c, "closed_logged": cl, "nfa": nfa, "assessed": assessed, "yet": yet,
        "s47": s47, "ia_done": ia_done, "ia_timely": r(ia_done * p["ia_timely"]),
        "ca_done": ca_done, "ca_timely": r(ca_done * p["ca_timely"]),
        "icpc": icpc, "icpc_timely": r(icpc * p["icpc_timely"]), "plans": plans,
        "plans_second": r(plans * p["second_share"]), "plans_late": 0,
        "plan_ends_2y": r(plans * p["ends_2y_share"]), "plan_ends_same_q": r(plans * 0.03),
        "review_fails": r(p["cp_stock"] * scale * p["review_fail_share"]),
        "rereferrals": r(refs * p["reref_share"]), "cl_caf": r(cl * p["cl_caf_share"]),
        "late_contacts": r(c * 0.005),
        "perm_adoption": r(p["adoption"] / 4 * scale * noise),
        "perm_residence_order": r(p["residence_order"] / 4 * scale * noise),
        "perm_special_guardianship": r(p["special_guardianship"] / 4 * scale * noise),
        "perm_returned_home": r(p["returned_home"] / 4 * scale * noise),
        "moves3": r(p["moves3"] / 4 * scale * noise),
        "leavers_bday": -1, "leavers_suitable": -1, "leavers_eet": -1,
    }


def _increments(values: list[float]) -> list[int]:
    """Cumulative 2013-14 figures (Q1..Q4) -> per-quarter increments."""
    out, prev = [], 0
    for v in values:
        out.append(int(v) - prev)
        prev = int(v)
    return out


def synthetic_plan(la_code: str, first_fy: int, last_fy: int, contacts_per_year: float,
                   rng: np.random.Generator, single_from: int | None = None) -> LaPlan:
    """Targets for an LA that is not calibrated: the demo profile scaled to its size."""
    a2 = read_appendix2()
    p = _profile(a2)
    scale = contacts_per_year / p["contacts"]
    q = quarter_frame(first_fy, last_fy)
    if single_from is None:
        single_from = day(date(2013, 4, 1)) + int(rng.integers(0, 366))
    rows = [_synthetic_quarter(p, scale, rng, single=s >= single_from) for s in q["start"]]
    q = pd.concat([q, pd.DataFrame(rows)], axis=1)
    n = len(q)
    q["cp_stock"] = np.round(p["cp_stock"] * scale * (1 + 0.05 * np.sin(np.arange(n) / 3)))
    q["cic_stock"] = np.round(p["cic_stock"] * scale * (1 + 0.04 * np.sin(np.arange(n) / 4)))
    q["cin_stock"] = np.nan
    q["long_stay"] = np.nan
    q["long_stay_stable"] = np.nan
    agencies = _agency_profile(a2)
    counts = rng.poisson(np.outer(np.full(n, scale / 4), agencies.to_numpy()))
    caf = pd.DataFrame(counts, columns=agencies.index)
    return LaPlan(la_code=la_code, quarters=q, agencies=caf, sources={},
                  source_mix=_source_mix(read_table1()), single_from=single_from,
                  size=scale)


def _agency_profile(a2: pd.DataFrame) -> pd.Series:
    ag = a2[(a2.breakdown_by == "initiating_agency") & (a2.reporting_period == "2013-14 Q4")]
    return ag.set_index("breakdown_value")["numerator"].astype(float)


def _source_mix(t1: pd.DataFrame) -> pd.DataFrame:
    """Shares of each referrer within each outcome (Table 1's columns), smoothed so that no
    referrer is impossible."""
    mix = t1.astype(float) + 0.5
    return mix / mix.sum(axis=0)


def demo_plan(rng: np.random.Generator, first_fy: int = 2008) -> LaPlan:
    """Targets of the Stockton-on-Tees demo: the published figures by quarter."""
    a2 = read_appendix2()
    t1 = read_table1()
    plan = synthetic_plan(DEMO_LA, first_fy, DEMO_YEAR + 1, _profile(a2)["contacts"], rng,
                          single_from=day(date(2014, 2, 17)))
    q = plan.quarters
    head = a2[a2.breakdown_by.isna()].set_index(["measure_id", "reporting_period"])

    def num(m: str, p: str) -> float:
        return float(head.loc[(m, p), "numerator"])

    def den(m: str, p: str) -> float:
        return float(head.loc[(m, p), "denominator"])

    year_q = list(q.index[q.fy == DEMO_YEAR])
    next_q = list(q.index[q.fy == DEMO_YEAR + 1])
    ytd = PERIOD_LABELS[1:]

    def put(col: str, whole_year: float, quarters: list[int]) -> None:
        q.loc[year_q, col] = _split(int(whole_year), 4)
        q.loc[next_q, col] = quarters

    def quarterly(m: str) -> list[int]:
        return [int(num(m, p)) for p in ytd]

    def cumulative(m: str, which: str = "numerator") -> list[int]:
        f = num if which == "numerator" else den
        return _increments([f(m, p) for p in ytd])

    put("contacts", num("contacts", "2012-13"), quarterly("contacts"))
    put("closed_logged", num("contacts_closed_logged", "2012-13"),
        quarterly("contacts_closed_logged"))
    put("nfa", num("referrals_nfa", "2012-13"), quarterly("referrals_nfa"))
    put("assessed", num("contacts_to_assessment", "2012-13"), quarterly("contacts_to_assessment"))
    # The whole-year column is first reported by the drop after 31 March.
    q.loc[year_q, "reported"] = int(q.reported[year_q[-1]])
    q.loc[year_q[:-1], "late_contacts"] = 0
    q.loc[year_q + next_q, "yet"] = (q.contacts - q.closed_logged - q.nfa - q.assessed)[
        year_q + next_q]
    put("s47", num("referrals_to_s47", "2012-13"), cumulative("referrals_to_s47"))
    put("ia_done", den("initial_assessments_10wd", "2012-13"),
        cumulative("initial_assessments_10wd", "denominator"))
    put("ia_timely", num("initial_assessments_10wd", "2012-13"),
        cumulative("initial_assessments_10wd"))
    put("ca_done", den("core_assessments_35wd", "2012-13"),
        cumulative("core_assessments_35wd", "denominator"))
    put("ca_timely", num("core_assessments_35wd", "2012-13"), cumulative("core_assessments_35wd"))
    put("icpc", den("icpc_15wd", "2012-13"), cumulative("icpc_15wd", "denominator"))
    put("icpc_timely", num("icpc_15wd", "2012-13"), cumulative("icpc_15wd"))
    put("plans", den("cp_plans_second_or_subsequent", "2012-13"),
        cumulative("cp_plans_second_or_subsequent", "denominator"))
    put("plans_second", num("cp_plans_second_or_subsequent", "2012-13"),
        cumulative("cp_plans_second_or_subsequent"))
    put("plan_ends_2y", num("cp_plans_2yrs_plus", "2012-13"), cumulative("cp_plans_2yrs_plus"))
    put("rereferrals", num("re_referrals_12m", "2012-13"), quarterly("re_referrals_12m"))
    put("cl_caf", num("closed_logged_with_active_caf", "2012-13"),
        quarterly("closed_logged_with_active_caf"))
    for col, m in [("perm_adoption", "permanence_adoption"),
                   ("perm_residence_order", "permanence_residence_order"),
                   ("perm_special_guardianship", "permanence_special_guardianship"),
                   ("perm_returned_home", "permanence_returned_home")]:
        put(col, num(m, "2012-13"), cumulative(m))
    # Stability (moves): children newly reaching 3 placements in the financial year.
    put("moves3", num("cic_placement_stability_moves", "2012-13"),
        cumulative("cic_placement_stability_moves"))
    # Care leavers: birthdays in the quarter, and how many of those records say suitable / EET.
    q.loc[next_q, "leavers_bday"] = cumulative("care_leavers_suitable_accommodation",
                                               "denominator")
    q.loc[next_q, "leavers_suitable"] = cumulative("care_leavers_suitable_accommodation")
    q.loc[next_q, "leavers_eet"] = cumulative("care_leavers_eet")

    # Stocks at each period end; quarters in between follow a straight line.
    ends = [year_q[-1]] + next_q
    for col, m in [("cp_stock", "cp_at_period_end"), ("cic_stock", "cic_at_period_end"),
                   ("cin_stock", "cin_at_period_end")]:
        q.loc[ends, col] = [num(m, p) for p in PERIOD_LABELS]
    q.loc[ends, "long_stay"] = [den("cic_placement_stability_length", p) for p in PERIOD_LABELS]
    q.loc[ends, "long_stay_stable"] = [num("cic_placement_stability_length", p)
                                       for p in PERIOD_LABELS]
    # CP plans: a plan recorded after the drop that first reports its quarter is how the
    # report's stock (369 + 75 - 89 = 355, printed 356) reconciles.
    plans_by_q = q.plans.to_numpy()
    for prev, cur in zip(ends, ends[1:], strict=False):
        ends_in = int(den("cp_plans_2yrs_plus", PERIOD_LABELS[ends.index(cur)])) - (
            int(den("cp_plans_2yrs_plus", PERIOD_LABELS[ends.index(prev)]))
            if ends.index(prev) > 0 else 0)
        gap = int(q.cp_stock[cur] - (q.cp_stock[prev] + plans_by_q[cur] - ends_in))
        if gap > 0:
            q.loc[prev, "plans_late"] = gap
            q.loc[prev, "cp_stock"] += gap
    # CP review timeliness: plans failing at each period end; plans started in the quarter
    # and still open at its end (stock - denominator) fix how many ended within it.
    for e, p in zip(ends, PERIOD_LABELS, strict=True):
        q.loc[e, "review_fails"] = den("cp_reviews_on_time", p) - num("cp_reviews_on_time", p)
        reported_stock = num("cp_at_period_end", p)
        q.loc[e, "plan_ends_same_q"] = max(
            0, int(q.plans[e] - (reported_stock - den("cp_reviews_on_time", p))))
    year_start = q.index[q.fy == DEMO_YEAR][0]
    earlier = q.index < year_start
    # Before 2012-13 the stocks glide to where 2012-13 starts (so its flows hold).
    cp0 = num("cp_at_period_end", "2012-13") - q.plans[year_q].sum() + den(
        "cp_plans_2yrs_plus", "2012-13")
    q.loc[earlier, "cp_stock"] = np.round(np.linspace(cp0 * 0.9, cp0, earlier.sum()))
    for col in ("cp_stock", "cic_stock"):
        q.loc[year_q[:-1], col] = np.nan
        q[col] = q[col].interpolate()
    q.loc[earlier, "review_fails"] = 0
    q.loc[year_q[:-1], "review_fails"] = 0
    q.loc[year_q[:-1], "plan_ends_same_q"] = 2
    # Referrals yet to proceed that later drops restate as NFA: the report's ytd S47
    # denominators (Q2..Q4) imply them.
    refs = [int(num("contacts", p) - num("contacts_closed_logged", p)) for p in ytd]
    nfas = [int(num("referrals_nfa", p)) for p in ytd]
    dens = [int(den("referrals_to_s47", p)) for p in ytd]
    drops = [int(q.end[i]) + 14 for i in next_q]
    restated = 0
    for k in range(1, 4):
        need = sum(refs[: k + 1]) - sum(nfas[: k + 1]) - dens[k] - restated
        restated += max(need, 0)
        pools = np.array([int(q.yet[next_q[j]]) for j in range(k)], dtype=float)
        share = _largest_remainder(max(need, 0), pools * np.arange(1, k + 1))
        for j, n in enumerate(share):
            if n:
                plan.restated_nfa.append((next_q[j], drops[k - 1], drops[k], int(n)))
    plan.sources = {next_q[-1]: t1}
    ag = a2[a2.breakdown_by == "initiating_agency"].pivot(
        index="reporting_period", columns="breakdown_value", values="numerator")
    ag = ag[plan.agencies.columns]
    plan.agencies.loc[year_q] = np.array([_split(int(v), 4) for v in ag.loc["2012-13"]]).T
    cum = ag.loc[ytd].to_numpy()
    plan.agencies.loc[next_q] = np.diff(np.vstack([np.zeros(cum.shape[1]), cum]), axis=0)
    plan.quarters = q.fillna({c: 0 for c in COUNT_COLUMNS}).astype(
        {c: int for c in COUNT_COLUMNS})
    plan.calibrated = True
    return plan


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out))[: total - out.sum()]] += 1
    return out
