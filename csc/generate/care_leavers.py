"""Care leavers: young people leaving care on their 18th birthday, and the keeping-in-touch
records made around their 18th to 21st birthdays.

The cohort is sized so that each targeted quarter has exactly its number of care leavers
with an 18th-21st birthday in it; of those birthday records, exactly the targeted numbers
say suitable accommodation and in education, employment or training (EET).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.context import YEAR, BuildContext, pick

EET_ACTIVITIES = ["F1", "P1", "F2", "P2", "F4", "F5"]
NOT_EET_ACTIVITIES = ["G4", "G5", "G6"]
ACCOMMODATION = ["B", "C", "D", "E", "G", "H", "K", "R", "S", "T", "U", "V", "W", "X", "Y",
                 "Z"]


def build_leaving_care_cohort(context: BuildContext) -> pd.DataFrame:
    """Periods of care ending on the 18th birthday (from 12 quarters before the first),
    with start, end, dob, reason ceased (E8 or E17), cohort=True."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    n_quarters = len(quarters)
    quarter_starts = quarters.start.to_numpy()
    first_start = int(quarter_starts[0])
    usual = max(1, int(round(6 * context.plan.size)))
    turning_18: dict[int, int] = {}  # quarter number (negative: before the first) -> leavers
    for quarter_number in range(-12, n_quarters):
        target = (int(quarters.leavers_bday.iloc[quarter_number]) if quarter_number >= 0
                  else -1)
        if target >= 0:
            # the targeted quarter also holds the 19th-21st birthdays of earlier leavers
            earlier = sum(turning_18.get(quarter_number - 4 * years, usual)
                          for years in (1, 2, 3))
            turning_18[quarter_number] = max(0, target - earlier)
            context.note("care leavers with a birthday", quarter_number, target,
                         turning_18[quarter_number] + sum(
                             turning_18.get(quarter_number - 4 * years, usual)
                             for years in (1, 2, 3)))
        else:
            turning_18[quarter_number] = (int(rng.poisson(usual)) if quarter_number >= 0
                                          else usual)
    leaver_quarter = np.concatenate([np.full(how_many, quarter_number) for quarter_number,
                                     how_many in turning_18.items()]).astype(np.int64)
    start_of_quarter = np.where(
        leaver_quarter >= 0, quarter_starts[np.maximum(leaver_quarter, 0)],
        add_months(np.full(len(leaver_quarter), first_start), 3 * leaver_quarter))
    end_of_quarter = add_months(start_of_quarter, 3) - 1
    eighteenth = start_of_quarter + (rng.random(len(leaver_quarter))
                                     * (end_of_quarter - start_of_quarter + 1)).astype(np.int64)
    dob = add_months(eighteenth, -216)
    start = working_days.at(working_days.first_pos(
        eighteenth - rng.integers(365, 4 * YEAR, size=len(leaver_quarter))))
    cohort = pd.DataFrame({"start": start, "end": eighteenth, "dob": dob,
                           "reason": rng.choice(["E8", "E17"], size=len(leaver_quarter),
                                                p=[0.6, 0.4]),
                           "cohort": True})
    cohort["long_stay"] = False
    return cohort


def build_keeping_in_touch(context: BuildContext, cohort: pd.DataFrame) -> pd.DataFrame:
    """Keeping-in-touch records of the care leavers (their periods of care, with
    `period_id`) up to 60 days before each 18th-21st birthday: period_id, birthday,
    contact_date, in_touch, activity, accommodation, accommodation_suitable."""
    rng, quarters = context.rng, context.quarters
    by_age = []
    for age in (18, 19, 20, 21):
        birthday = add_months(cohort.dob.to_numpy(), 12 * age)
        by_age.append(pd.DataFrame({
            "period_id": cohort.period_id.to_numpy(), "birthday": birthday,
            "contact_date": birthday - rng.integers(0, 60, len(cohort))}))
    in_touch = pd.concat(by_age, ignore_index=True)
    in_touch = in_touch[in_touch.contact_date <= context.horizon_end].reset_index(drop=True)
    n_records = len(in_touch)
    suitable = rng.random(n_records) < 0.9
    eet = rng.random(n_records) < 0.5
    birthday_quarter = np.searchsorted(quarters.start.to_numpy(), in_touch.birthday.to_numpy(),
                                       side="right") - 1
    birthday_quarter[(birthday_quarter < 0) | (
        in_touch.birthday.to_numpy() > quarters.end.to_numpy()[np.maximum(birthday_quarter, 0)])
    ] = -1
    for quarter_number, quarter in quarters.iterrows():
        if quarter.leavers_bday < 0:
            continue
        in_quarter = np.flatnonzero(birthday_quarter == quarter_number)
        suitable[in_quarter] = False
        eet[in_quarter] = False
        suitable[pick(in_quarter, int(quarter.leavers_suitable), rng)] = True
        eet[pick(in_quarter, int(quarter.leavers_eet), rng)] = True
    in_touch["in_touch"] = "YES"
    in_touch["activity"] = np.where(eet, rng.choice(EET_ACTIVITIES, n_records),
                                    rng.choice(NOT_EET_ACTIVITIES, n_records))
    accommodation = rng.choice(ACCOMMODATION, n_records).astype(object)
    if not context.plan.calibrated:
        # no fixed abode (S) and in custody (X) are never suitable (SSDA903 rule 133: there
        # is no S1 or X1): a suitable record has another kind (the calibrated demo keeps
        # the codes it was built with; its suitable counts are its targets)
        wrong = suitable & np.isin(accommodation, ["S", "X"])
        fits = [code for code in ACCOMMODATION if code not in ("S", "X")]
        accommodation[wrong] = np.array(fits, dtype=object)[
            np.flatnonzero(wrong) % len(fits)]
    in_touch["accommodation"] = accommodation + np.where(suitable, "1", "2")
    in_touch["accommodation_suitable"] = np.where(suitable, "Y", "N")
    return in_touch
