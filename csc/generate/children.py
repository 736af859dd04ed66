"""Who the children are: the person (a number) of each referral and each CP plan.

Re-referrals (a previous referral within 12 months) are made exactly as many as the
quarter's target by giving a referral the person of an earlier one; second or later CP plans
go to children whose earlier plan has ended; every other referral is a new child. Children
in care, care leavers and closed-and-logged contacts are numbered after them
(csc.generate.history).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.context import NEVER, NONE, BuildContext, pick


def assign_people(context: BuildContext, referrals: pd.DataFrame, plans: pd.DataFrame,
                  enquiries: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Returns (person of each referral, person of each CP plan). Plans from before the
    first quarter are persons 0.. in plan order; referrals' new children follow."""
    rng, quarters = context.rng, context.quarters
    n_referrals = len(referrals)
    plan_s47 = plans.s47_id.to_numpy()
    plan_end = plans.end.to_numpy()
    referral_of_plan = np.full(len(plans), NONE)
    from_enquiry = plan_s47 != NONE
    referral_of_plan[from_enquiry] = enquiries.referral_id.to_numpy()[plan_s47[from_enquiry]]
    leads_to_plan = np.zeros(n_referrals, dtype=bool)
    leads_to_plan[referral_of_plan[from_enquiry]] = True
    # the referrals whose plan is to be a second or later one, by the quarter's target
    second_plan = np.zeros(n_referrals, dtype=bool)
    for quarter_number, quarter in quarters.iterrows():
        made_in_quarter = np.flatnonzero((plans.quarter.to_numpy() == quarter_number)
                                         & from_enquiry & ~plans.late_rec.to_numpy())
        chosen = pick(made_in_quarter, int(quarter.plans_second), rng)
        second_plan[referral_of_plan[chosen]] = True
    n_before = int((~from_enquiry).sum())
    most_people = n_referrals + n_before + 1
    last_referral_day = np.full(most_people, -10**6)
    latest_plan_end = np.full(most_people, NONE)  # of the person's latest plan (NEVER: open)
    has_had_plan = np.zeros(most_people, dtype=bool)
    person_of_plan = np.full(len(plans), NONE)
    plans_before = np.flatnonzero(~from_enquiry)
    person_of_plan[plans_before] = np.arange(n_before)
    has_had_plan[:n_before] = True
    latest_plan_end[:n_before] = np.where(plan_end[plans_before] == NONE, NEVER,
                                          plan_end[plans_before])
    next_person = n_before
    person_of_referral = np.full(n_referrals, NONE)
    referral_day = referrals.referral_date.to_numpy()
    by_day = np.argsort(referral_day, kind="stable")
    sorted_days = referral_day[by_day]
    plan_of_referral = np.full(n_referrals, NONE)
    plan_of_referral[referral_of_plan[from_enquiry]] = np.flatnonzero(from_enquiry)
    for quarter_number, quarter in quarters.iterrows():
        quarter_start = int(quarter.start)
        in_quarter = np.flatnonzero(referrals.quarter.to_numpy() == quarter_number)
        if len(in_quarter) == 0:
            continue
        day = referral_day[in_quarter]
        year_before = add_months(day, -12)
        # second plans: children whose last plan ended, preferably not referred for a year
        to_second_plan = in_quarter[second_plan[in_quarter]]
        plan_ended = np.flatnonzero(has_had_plan[:next_person]
                                    & (latest_plan_end[:next_person] < quarter_start - 7))
        quiet = plan_ended[last_referral_day[plan_ended]
                           < add_months(np.array([quarter_start]), -12)[0]]
        chosen = pick(quiet, len(to_second_plan), rng)
        if len(chosen) < len(to_second_plan):
            others = np.setdiff1d(plan_ended, chosen)
            chosen = np.concatenate([chosen, pick(others, len(to_second_plan) - len(chosen),
                                                  rng)])
        context.note("second CP plans", quarter_number, len(to_second_plan), len(chosen))
        to_second_plan = to_second_plan[: len(chosen)]
        person_of_referral[to_second_plan] = chosen
        rereferred_anyway = int((last_referral_day[chosen]
                                 >= add_months(referral_day[to_second_plan], -12)).sum())
        n_rereferrals = int(quarter.rereferrals) - rereferred_anyway
        # re-referrals: the person of a referral in the year before
        free = in_quarter[(person_of_referral[in_quarter] == NONE)
                          & ~leads_to_plan[in_quarter]]
        year_first = np.searchsorted(sorted_days, year_before, side="left")
        year_stop = np.full(len(in_quarter), np.searchsorted(sorted_days, quarter_start,
                                                             side="left"))
        has_earlier = (year_stop > year_first)[np.searchsorted(in_quarter, free)]
        rereferred = pick(free[has_earlier], n_rereferrals, rng)
        context.note("re-referrals", quarter_number, int(quarter.rereferrals),
                     rereferred_anyway + len(rereferred))
        position = np.searchsorted(in_quarter, rereferred)
        earlier = year_first[position] + np.floor(
            rng.random(len(rereferred)) * (year_stop[position] - year_first[position])
        ).astype(np.int64)
        person_of_referral[rereferred] = person_of_referral[by_day[earlier]]
        new = in_quarter[person_of_referral[in_quarter] == NONE]
        person_of_referral[new] = next_person + np.arange(len(new))
        next_person += len(new)
        np.maximum.at(last_referral_day, person_of_referral[in_quarter], day)
        to_plan = in_quarter[leads_to_plan[in_quarter]]
        their_plans = plan_of_referral[to_plan]
        person_of_plan[their_plans] = person_of_referral[to_plan]
        has_had_plan[person_of_referral[to_plan]] = True
        latest_plan_end[person_of_referral[to_plan]] = np.where(
            plan_end[their_plans] == NONE, NEVER, plan_end[their_plans])
    return person_of_referral, person_of_plan
