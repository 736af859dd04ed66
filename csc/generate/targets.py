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


def _profile(appendix2: pd.DataFrame) -> dict[str, float]:
    """Annual rates per 6,859 contacts (the demo LA's 2012-13), used to scale other LAs."""
    year = appendix2[(appendix2.reporting_period == "2012-13")
                     & appendix2.breakdown_by.isna()].set_index("measure_id")
    num = year["numerator"]
    den = year["denominator"]
    return {
        "contacts": num["contacts"], "cl_share": num["contacts_closed_logged"] / num["contacts"],
        "nfa_share": num["referrals_nfa"] / (num["contacts"] - num["contacts_closed_logged"]),
        "assessed_share": num["contacts_to_assessment"]
        / (num["contacts"] - num["contacts_closed_logged"]),
        "s47_share": num["referrals_to_s47"] / num["contacts_to_assessment"],
        "ia_timely": num["initial_assessments_10wd"] / den["initial_assessments_10wd"],
        "ca_share": den["core_assessments_35wd"] / den["initial_assessments_10wd"],
        "ca_timely": num["core_assessments_35wd"] / den["core_assessments_35wd"],
        "icpc_share": den["icpc_15wd"] / num["referrals_to_s47"],
        "icpc_timely": num["icpc_15wd"] / den["icpc_15wd"],
        "plan_share": den["cp_plans_second_or_subsequent"] / den["icpc_15wd"],
        "second_share": num["cp_plans_second_or_subsequent"] / den["cp_plans_second_or_subsequent"],
        "ends_2y_share": num["cp_plans_2yrs_plus"] / den["cp_plans_2yrs_plus"],
        "cp_stock": num["cp_at_period_end"], "cic_stock": num["cic_at_period_end"],
        "reref_share": num["re_referrals_12m"] / den["re_referrals_12m"],
        "cl_caf_share": num["closed_logged_with_active_caf"] / num["contacts_closed_logged"],
        "adoption": num["permanence_adoption"],
        "residence_order": num["permanence_residence_order"],
        "special_guardianship": num["permanence_special_guardianship"],
        "returned_home": num["permanence_returned_home"],
        "moves3": num["cic_placement_stability_moves"],
        "review_fail_share": 1 - num["cp_reviews_on_time"] / den["cp_reviews_on_time"],
    }


# Contacts by financial quarter relative to the year's average: the summer holidays quieter,
# the autumn term (September's return to school) and January busier.
SEASON = {1: 1.0, 2: 0.93, 3: 1.05, 4: 1.02}


def _synthetic_quarter(profile: dict[str, float], scale: float, rng: np.random.Generator,
                       single: bool, season: float = 1.0) -> dict[str, int]:
    """One quarter of an LA that is not calibrated: the profile, scaled, with noise (and the
    quarter's `season`)."""
    def whole(x: float) -> int:
        return max(0, int(round(x)))

    noise = (1 + 0.06 * rng.standard_normal()) * season
    contacts = whole(profile["contacts"] / 4 * scale * noise)
    closed_logged = whole(contacts * profile["cl_share"] * (1 + 0.05 * rng.standard_normal()))
    closed_logged = min(closed_logged, contacts)
    referrals = contacts - closed_logged
    nfa = whole(referrals * profile["nfa_share"])
    yet = whole(referrals * 0.03)
    assessed = max(0, referrals - nfa - yet)
    s47 = whole(assessed * profile["s47_share"] * 0.9)
    ia_done = whole(assessed * 0.98) if not single else 0
    ca_done = whole(ia_done * profile["ca_share"])
    icpc = whole(s47 * profile["icpc_share"])
    plans = min(icpc, whole(icpc * profile["plan_share"]))
    return {
        "contacts": contacts, "closed_logged": closed_logged, "nfa": nfa,
        "assessed": assessed, "yet": yet,
        "s47": s47, "ia_done": ia_done, "ia_timely": whole(ia_done * profile["ia_timely"]),
        "ca_done": ca_done, "ca_timely": whole(ca_done * profile["ca_timely"]),
        "icpc": icpc, "icpc_timely": whole(icpc * profile["icpc_timely"]), "plans": plans,
        "plans_second": whole(plans * profile["second_share"]), "plans_late": 0,
        "plan_ends_2y": whole(plans * profile["ends_2y_share"]),
        "plan_ends_same_q": whole(plans * 0.03),
        "review_fails": whole(profile["cp_stock"] * scale * profile["review_fail_share"]),
        "rereferrals": whole(referrals * profile["reref_share"]),
        "cl_caf": whole(closed_logged * profile["cl_caf_share"]),
        "late_contacts": whole(contacts * 0.005),
        "perm_adoption": whole(profile["adoption"] / 4 * scale * noise),
        "perm_residence_order": whole(profile["residence_order"] / 4 * scale * noise),
        "perm_special_guardianship": whole(profile["special_guardianship"] / 4 * scale * noise),
        "perm_returned_home": whole(profile["returned_home"] / 4 * scale * noise),
        "moves3": whole(profile["moves3"] / 4 * scale * noise),
        "leavers_bday": -1, "leavers_suitable": -1, "leavers_eet": -1,
    }


def _increments(values: list[float]) -> list[int]:
    """Cumulative 2013-14 figures (Q1..Q4) -> per-quarter increments."""
    increments, previous = [], 0
    for value in values:
        increments.append(int(value) - previous)
        previous = int(value)
    return increments


def synthetic_plan(la_code: str, first_fy: int, last_fy: int, contacts_per_year: float,
                   rng: np.random.Generator, single_from: int | None = None,
                   seasonal: bool = True) -> LaPlan:
    """Targets for an LA that is not calibrated: the demo profile scaled to its size, with
    the seasons (SEASON; `seasonal=False`: the calibrated demo's earlier years, which keep
    the targets it was calibrated with)."""
    appendix2 = read_appendix2()
    profile = _profile(appendix2)
    scale = contacts_per_year / profile["contacts"]
    quarters = quarter_frame(first_fy, last_fy)
    if single_from is None:
        single_from = day(date(2013, 4, 1)) + int(rng.integers(0, 366))
    targets = [_synthetic_quarter(profile, scale, rng, single=start >= single_from,
                                  season=SEASON[qn] if seasonal else 1.0)
               for start, qn in zip(quarters["start"], quarters["qn"], strict=True)]
    quarters = pd.concat([quarters, pd.DataFrame(targets)], axis=1)
    n_quarters = len(quarters)
    quarters["cp_stock"] = np.round(profile["cp_stock"] * scale
                                    * (1 + 0.05 * np.sin(np.arange(n_quarters) / 3)))
    quarters["cic_stock"] = np.round(profile["cic_stock"] * scale
                                     * (1 + 0.04 * np.sin(np.arange(n_quarters) / 4)))
    quarters["cin_stock"] = np.nan
    quarters["long_stay"] = np.nan
    quarters["long_stay_stable"] = np.nan
    agencies = _agency_profile(appendix2)
    counts = rng.poisson(np.outer(np.full(n_quarters, scale / 4), agencies.to_numpy()))
    cafs = pd.DataFrame(counts, columns=agencies.index)
    return LaPlan(la_code=la_code, quarters=quarters, agencies=cafs, sources={},
                  source_mix=_source_mix(read_table1()), single_from=single_from,
                  size=scale)


def _agency_profile(appendix2: pd.DataFrame) -> pd.Series:
    by_agency = appendix2[(appendix2.breakdown_by == "initiating_agency")
                          & (appendix2.reporting_period == "2013-14 Q4")]
    return by_agency.set_index("breakdown_value")["numerator"].astype(float)


def _source_mix(table1: pd.DataFrame) -> pd.DataFrame:
    """Shares of each referrer within each outcome (Table 1's columns), smoothed so that no
    referrer is impossible."""
    mix = table1.astype(float) + 0.5
    return mix / mix.sum(axis=0)


def demo_plan(rng: np.random.Generator, first_fy: int = 2008) -> LaPlan:
    """Targets of the Stockton-on-Tees demo: the published figures by quarter."""
    appendix2 = read_appendix2()
    table1 = read_table1()
    plan = synthetic_plan(DEMO_LA, first_fy, DEMO_YEAR + 1, _profile(appendix2)["contacts"], rng,
                          single_from=day(date(2014, 2, 17)), seasonal=False)
    quarters = plan.quarters
    head = appendix2[appendix2.breakdown_by.isna()].set_index(["measure_id",
                                                               "reporting_period"])

    def num(measure: str, period: str) -> float:
        return float(head.loc[(measure, period), "numerator"])

    def den(measure: str, period: str) -> float:
        return float(head.loc[(measure, period), "denominator"])

    # the report's whole year (2012-13) and its year by quarter (2013-14)
    quarters_2012 = list(quarters.index[quarters.fy == DEMO_YEAR])
    quarters_2013 = list(quarters.index[quarters.fy == DEMO_YEAR + 1])
    ytd = PERIOD_LABELS[1:]

    def put(col: str, whole_year: float, next_year_by_quarter: list[int]) -> None:
        """The 2012-13 figure split over its quarters, then 2013-14 quarter by quarter."""
        quarters.loc[quarters_2012, col] = _split(int(whole_year), 4)
        quarters.loc[quarters_2013, col] = next_year_by_quarter

    def quarterly(measure: str) -> list[int]:
        return [int(num(measure, period)) for period in ytd]

    def cumulative(measure: str, which: str = "numerator") -> list[int]:
        figure = num if which == "numerator" else den
        return _increments([figure(measure, period) for period in ytd])

    put("contacts", num("contacts", "2012-13"), quarterly("contacts"))
    put("closed_logged", num("contacts_closed_logged", "2012-13"),
        quarterly("contacts_closed_logged"))
    put("nfa", num("referrals_nfa", "2012-13"), quarterly("referrals_nfa"))
    put("assessed", num("contacts_to_assessment", "2012-13"), quarterly("contacts_to_assessment"))
    # The whole-year column is first reported by the drop after 31 March.
    quarters.loc[quarters_2012, "reported"] = int(quarters.reported[quarters_2012[-1]])
    quarters.loc[quarters_2012[:-1], "late_contacts"] = 0
    both_years = quarters_2012 + quarters_2013
    quarters.loc[both_years, "yet"] = (quarters.contacts - quarters.closed_logged
                                       - quarters.nfa - quarters.assessed)[both_years]
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
    for col, measure in [("perm_adoption", "permanence_adoption"),
                         ("perm_residence_order", "permanence_residence_order"),
                         ("perm_special_guardianship", "permanence_special_guardianship"),
                         ("perm_returned_home", "permanence_returned_home")]:
        put(col, num(measure, "2012-13"), cumulative(measure))
    # Stability (moves): children newly reaching 3 placements in the financial year.
    put("moves3", num("cic_placement_stability_moves", "2012-13"),
        cumulative("cic_placement_stability_moves"))
    # Care leavers: birthdays in the quarter, and how many of those records say suitable / EET.
    quarters.loc[quarters_2013, "leavers_bday"] = cumulative(
        "care_leavers_suitable_accommodation", "denominator")
    quarters.loc[quarters_2013, "leavers_suitable"] = cumulative(
        "care_leavers_suitable_accommodation")
    quarters.loc[quarters_2013, "leavers_eet"] = cumulative("care_leavers_eet")

    # Stocks at each period end; quarters in between follow a straight line.
    ends = [quarters_2012[-1]] + quarters_2013
    for col, measure in [("cp_stock", "cp_at_period_end"),
                         ("cic_stock", "cic_at_period_end"),
                         ("cin_stock", "cin_at_period_end")]:
        quarters.loc[ends, col] = [num(measure, period) for period in PERIOD_LABELS]
    quarters.loc[ends, "long_stay"] = [den("cic_placement_stability_length", period)
                                       for period in PERIOD_LABELS]
    quarters.loc[ends, "long_stay_stable"] = [num("cic_placement_stability_length", period)
                                              for period in PERIOD_LABELS]
    # CP plans: a plan recorded after the drop that first reports its quarter is how the
    # report's stock (369 + 75 - 89 = 355, printed 356) reconciles.
    plans_by_quarter = quarters.plans.to_numpy()
    for previous, current in zip(ends, ends[1:], strict=False):
        ends_in = int(den("cp_plans_2yrs_plus", PERIOD_LABELS[ends.index(current)])) - (
            int(den("cp_plans_2yrs_plus", PERIOD_LABELS[ends.index(previous)]))
            if ends.index(previous) > 0 else 0)
        gap = int(quarters.cp_stock[current] - (quarters.cp_stock[previous]
                                                + plans_by_quarter[current] - ends_in))
        if gap > 0:
            quarters.loc[previous, "plans_late"] = gap
            quarters.loc[previous, "cp_stock"] += gap
    # CP review timeliness: plans failing at each period end; plans started in the quarter
    # and still open at its end (stock - denominator) fix how many ended within it.
    for end_quarter, period in zip(ends, PERIOD_LABELS, strict=True):
        quarters.loc[end_quarter, "review_fails"] = (den("cp_reviews_on_time", period)
                                                     - num("cp_reviews_on_time", period))
        reported_stock = num("cp_at_period_end", period)
        quarters.loc[end_quarter, "plan_ends_same_q"] = max(
            0, int(quarters.plans[end_quarter]
                   - (reported_stock - den("cp_reviews_on_time", period))))
    year_start = quarters.index[quarters.fy == DEMO_YEAR][0]
    earlier = quarters.index < year_start
    # Before 2012-13 the stocks glide to where 2012-13 starts (so its flows hold).
    cp0 = num("cp_at_period_end", "2012-13") - quarters.plans[quarters_2012].sum() + den(
        "cp_plans_2yrs_plus", "2012-13")
    quarters.loc[earlier, "cp_stock"] = np.round(np.linspace(cp0 * 0.9, cp0, earlier.sum()))
    for col in ("cp_stock", "cic_stock"):
        quarters.loc[quarters_2012[:-1], col] = np.nan
        quarters[col] = quarters[col].interpolate()
    quarters.loc[earlier, "review_fails"] = 0
    quarters.loc[quarters_2012[:-1], "review_fails"] = 0
    quarters.loc[quarters_2012[:-1], "plan_ends_same_q"] = 2
    # Referrals yet to proceed that later drops restate as NFA: the report's ytd S47
    # denominators (Q2..Q4) imply them.
    referrals = [int(num("contacts", period) - num("contacts_closed_logged", period))
                 for period in ytd]
    nfas = [int(num("referrals_nfa", period)) for period in ytd]
    s47_denominators = [int(den("referrals_to_s47", period)) for period in ytd]
    drops = [int(quarters.end[quarter_number]) + 14 for quarter_number in quarters_2013]
    restated = 0
    for later in range(1, 4):
        need = (sum(referrals[: later + 1]) - sum(nfas[: later + 1])
                - s47_denominators[later] - restated)
        restated += max(need, 0)
        pools = np.array([int(quarters.yet[quarters_2013[pool]]) for pool in range(later)],
                         dtype=float)
        share = _largest_remainder(max(need, 0), pools * np.arange(1, later + 1))
        for pool, how_many in enumerate(share):
            if how_many:
                plan.restated_nfa.append((quarters_2013[pool], drops[later - 1], drops[later],
                                          int(how_many)))
    plan.sources = {quarters_2013[-1]: table1}
    by_agency = appendix2[appendix2.breakdown_by == "initiating_agency"].pivot(
        index="reporting_period", columns="breakdown_value", values="numerator")
    by_agency = by_agency[plan.agencies.columns]
    plan.agencies.loc[quarters_2012] = np.array([_split(int(total), 4)
                                                 for total in by_agency.loc["2012-13"]]).T
    cumulative_counts = by_agency.loc[ytd].to_numpy()
    plan.agencies.loc[quarters_2013] = np.diff(
        np.vstack([np.zeros(cumulative_counts.shape[1]), cumulative_counts]), axis=0)
    plan.quarters = quarters.fillna({column: 0 for column in COUNT_COLUMNS}).astype(
        {column: int for column in COUNT_COLUMNS})
    plan.calibrated = True
    return plan


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    if total <= 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    raw = total * weights / weights.sum()
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out))[: total - out.sum()]] += 1
    return out
