"""Children in care: periods of care, and how they end (permanence).

Three kinds of period: the care leavers' (csc.generate.care_leavers), the long-stay children
the demo's placement-length measure needs (begun early enough, in care to the horizon), and
the rest: children in care before the first quarter, and each quarter those who leave
(on their 16th birthday at the latest, by each permanence route to its target, a few for
other reasons) and those who come in, so that the quarter ends with its targeted number in
care. Only the care leavers' cohort stays in care past 16.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.context import NONE, YEAR, BuildContext, pick

# Permanence targets (targets.COUNT_COLUMNS) and the SSDA903 reasons ceased of each route.
PERMANENCE_ROUTES = {"perm_adoption": ["E11", "E12"], "perm_residence_order": ["E41"],
                     "perm_special_guardianship": ["E43", "E44", "E45", "E46", "E47", "E48"],
                     "perm_returned_home": ["E13", "E4A", "E4B"]}
OTHER_REASONS_CEASED = ["E3", "E5", "E9", "E16", "E14"]


def ages_entering_care(context: BuildContext, how_many: int) -> np.ndarray:
    """Age in days at entry to care: under 1, 1-4, 5-9, 10-15 in national proportions."""
    rng = context.rng
    band = rng.choice(4, size=how_many, p=[0.22, 0.2, 0.22, 0.36])
    youngest = np.array([0, 365, 5 * YEAR, 10 * YEAR])[band]
    oldest = np.array([364, 5 * YEAR - 1, 10 * YEAR - 1, 15 * YEAR])[band]
    return youngest + (rng.random(how_many) * (oldest - youngest)).astype(np.int64)


def length_measure_ends(context: BuildContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Period ends where the placement-length measure is targeted: (end day, children in
    care 2.5+ years aged under 16, of those in the same placement 2+ years)."""
    quarters = context.quarters
    if "long_stay" not in quarters:
        return (np.zeros(0, dtype=np.int64),) * 3
    targeted = quarters[quarters.long_stay.notna()]
    return (targeted.end.to_numpy().astype(np.int64),
            targeted.long_stay.to_numpy().astype(np.int64),
            targeted.long_stay_stable.to_numpy().astype(np.int64))


def build_long_stay_periods(context: BuildContext) -> pd.DataFrame:
    """Children in care for the long term, who stay in care to the end of the horizon.

    Their periods of care begin so that each targeted period end has enough children
    passing 2.5 years in care: as many as the first end's target beginning before it
    (spread over the six years before), then at least the growth in the target, plus some
    slack, reaching 2.5 years in each later quarter. Which of them count (age under 16)
    and which have had a stable placement are decided once the rest of the care
    population is known (csc.generate.placements.design_long_stays); their dates of birth
    are set there."""
    rng, working_days = context.rng, context.working_days
    ends, in_care_long, _ = length_measure_ends(context)
    if len(ends) == 0:
        return pd.DataFrame({"start": np.zeros(0, dtype=np.int64), "end": NONE, "dob": NONE,
                             "reason": "", "cohort": False, "long_stay": True})
    began_by = add_months(ends, -30)  # period of care began on or before this
    slack = max(3, int(round(15 * context.plan.size)))
    how_many = np.concatenate([[in_care_long[0]], np.maximum(0, np.diff(in_care_long)) + slack])
    began_after = np.concatenate([[add_months(began_by[:1], -72)[0]], began_by[:-1] + 1])
    starts = np.concatenate([
        working_days.uniform(int(earliest), int(latest), int(count), rng)
        for earliest, latest, count in zip(began_after, began_by, how_many, strict=True)])
    return pd.DataFrame({"start": starts, "end": NONE, "dob": starts - 5 * YEAR,
                         "reason": "", "cohort": False, "long_stay": True})


def build_periods_of_care(context: BuildContext, cohort: pd.DataFrame,
                          long_stays: pd.DataFrame) -> pd.DataFrame:
    """All periods of care up to the horizon: the care leavers' cohort, the long stays, the
    children in care before the first quarter and those entering each quarter; each quarter
    ends the targeted permanence and leaves its targeted stock in care.

    Columns: start, end (NONE: still in care at the horizon), dob, reason (ceased), cohort,
    long_stay, period_id."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    first_start = int(quarters.start.to_numpy()[0])
    fixed = pd.concat([cohort, long_stays], ignore_index=True)
    open_at_first = ((fixed.start < first_start)
                     & ((fixed.end >= first_start) | (fixed.end == NONE))).sum()
    n_before = max(0, int(quarters.cic_stock.iloc[0]) - int(open_at_first))
    age_now = ages_entering_care(context, n_before)
    time_in_care = (rng.random(n_before) * np.minimum(age_now, 4 * YEAR)).astype(np.int64) + 1
    in_care_before = pd.DataFrame({
        "start": working_days.at(working_days.first_pos(first_start - time_in_care)),
        "end": NONE, "dob": first_start - age_now, "reason": "", "cohort": False,
        "long_stay": False})
    periods = pd.concat([fixed, in_care_before], ignore_index=True)
    start = periods.start.to_numpy().astype(np.int64)
    end = periods.end.to_numpy().astype(np.int64)
    dob = periods.dob.to_numpy().astype(np.int64)
    reason = periods.reason.to_numpy(dtype=object)
    is_cohort = periods.cohort.to_numpy(dtype=bool)
    is_long_stay = periods.long_stay.to_numpy(dtype=bool)
    for quarter_number, quarter in quarters.iterrows():
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        can_leave = ~(is_cohort | is_long_stay) & (start < quarter_start) & (end == NONE)
        # Only the leaving-care cohort stays in care past 16: the others leave by their 16th
        # birthday (an episode ending on it leaves no care on or after it), so every care
        # leaver the SSDA903 definition counts (13 weeks in care after 14, some of it after
        # 16) is the cohort's, with its keeping-in-touch records.
        sixteenth = add_months(dob, 192)
        turn_16 = np.flatnonzero(can_leave & (sixteenth <= quarter_end))
        end[turn_16] = np.maximum(sixteenth[turn_16], quarter_start)
        reason[turn_16] = "E8"
        can_leave[turn_16] = False
        age = quarter_start - dob
        for route, reasons_ceased in PERMANENCE_ROUTES.items():
            target = int(quarter[route])
            if route == "perm_adoption":
                eligible = (can_leave & (age < 8 * YEAR)
                            & (quarter_start - start > 270))
            else:
                eligible = can_leave & (age < 16 * YEAR) & (quarter_start - start > 90)
            leaving = pick(np.flatnonzero(eligible), target, rng)
            context.note(route, quarter_number, target, len(leaving))
            end[leaving] = working_days.uniform(quarter_start, quarter_end, len(leaving), rng)
            reason[leaving] = rng.choice(reasons_ceased, len(leaving))
            can_leave[leaving] = False
        leaving = pick(np.flatnonzero(can_leave),
                       int(rng.binomial(can_leave.sum(), 0.012)), rng)
        end[leaving] = working_days.uniform(quarter_start, quarter_end, len(leaving), rng)
        reason[leaving] = rng.choice(OTHER_REASONS_CEASED, len(leaving))
        can_leave[leaving] = False
        in_care_at_end = int(((start <= quarter_end)
                              & ((end == NONE) | (end > quarter_end))).sum())
        entering = int(quarter.cic_stock) - in_care_at_end
        if entering < 0:
            leaving = pick(np.flatnonzero(can_leave), -entering, rng)
            end[leaving] = working_days.uniform(quarter_start, quarter_end, len(leaving), rng)
            reason[leaving] = "E9"
            entering = 0
        if entering:
            new_start = working_days.uniform(quarter_start, quarter_end, entering, rng)
            start = np.concatenate([start, new_start])
            end = np.concatenate([end, np.full(entering, NONE)])
            dob = np.concatenate([dob, new_start - ages_entering_care(context, entering)])
            reason = np.concatenate([reason, np.full(entering, "", dtype=object)])
            is_cohort = np.concatenate([is_cohort, np.zeros(entering, dtype=bool)])
            is_long_stay = np.concatenate([is_long_stay, np.zeros(entering, dtype=bool)])
    periods = pd.DataFrame({"start": start, "end": end, "dob": dob, "reason": reason,
                            "cohort": is_cohort, "long_stay": is_long_stay})
    periods = periods[periods.start <= context.horizon_end].reset_index(drop=True)
    periods.loc[periods.end > context.horizon_end, ["end", "reason"]] = [NONE, ""]
    periods["period_id"] = np.arange(len(periods))
    return periods
