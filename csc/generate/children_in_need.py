"""Children in need: when each referral's case closes, and why.

A case closes after its assessments and enquiry (soon, or months later), stays open while a
CP plan it led to is open, closes on the NFA decision, or a while after an undecided
referral. Then, at each targeted period end, cases are closed or kept open so that the
number of children in need there (open cases, not on a CP plan or in care) is exact.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.contacts import ASSESSED, UNDECIDED
from csc.generate.context import NEVER, NONE, BuildContext, pick

DROP_LAG = 14  # days between a period's end and the drop that first reports it


def close_referrals(context: BuildContext, referrals: pd.DataFrame,
                    assessments: pd.DataFrame, enquiries: pd.DataFrame,
                    plans: pd.DataFrame) -> None:
    """Set each referral's `closure` day, `closure_reason`, `min_close` (the earliest it
    can close: after its assessments and enquiry) and `leads` (to a CP plan)."""
    rng = context.rng
    n_referrals = len(referrals)
    referral_ids = referrals.referral_id
    done = assessments.groupby("referral_id").completed.max().reindex(referral_ids).to_numpy()
    started = assessments.groupby("referral_id").start.min().reindex(referral_ids).to_numpy()
    earliest = np.where(np.isnan(done) | (done == NONE), started + 30, done)
    earliest = np.where(np.isnan(earliest), referrals.referral_date + 30,
                        earliest).astype(np.int64)
    enquiry_end = enquiries.groupby("referral_id").end.max().reindex(referral_ids).to_numpy()
    earliest = np.where(~np.isnan(enquiry_end),
                        np.maximum(earliest, np.nan_to_num(enquiry_end)), earliest)
    earliest = earliest.astype(np.int64)
    closes_soon = rng.random(n_referrals) < 0.35
    closure = np.where(closes_soon, earliest + rng.integers(0, 21, n_referrals),
                       earliest + rng.integers(60, 450, n_referrals))
    reason = np.where(closes_soon, rng.choice(["RC8", "RC9"], n_referrals, p=[0.6, 0.4]),
                      rng.choice(["RC8", "RC9", "RC5", "RC6", "RC7"], n_referrals,
                                 p=[0.7, 0.1, 0.08, 0.08, 0.04]))
    # referrals that led to a plan stay open while the plan is
    referral_of_plan = enquiries.set_index("s47_id").referral_id.reindex(
        plans.s47_id).to_numpy()
    from_enquiry = ~np.isnan(referral_of_plan)
    to_plan = referral_of_plan[from_enquiry].astype(np.int64)
    plan_end = plans.end.to_numpy()[from_enquiry]
    closure[to_plan] = np.where(plan_end == NONE, NEVER,
                                plan_end + rng.integers(20, 200, len(to_plan)))
    nfa = referrals.nfa_date.to_numpy() != NONE
    closure[nfa] = referrals.nfa_date.to_numpy()[nfa]
    reason[nfa] = "RC8"
    undecided = referrals.fate.to_numpy() == UNDECIDED
    closure[undecided] = referrals.referral_date.to_numpy()[undecided] + rng.integers(
        120, 400, undecided.sum())
    referrals["closure"] = closure
    referrals["closure_reason"] = reason
    referrals["min_close"] = earliest
    referrals["leads"] = False
    referrals.loc[to_plan, "leads"] = True


def correct_children_in_need(context: BuildContext, referrals: pd.DataFrame,
                             plans: pd.DataFrame, plan_person: np.ndarray,
                             periods: pd.DataFrame, period_person: np.ndarray) -> None:
    """Make the children-in-need count at each targeted period end exact, by closing
    open cases within the quarter or keeping closed ones open past its end; changes stay
    after the previous targeted period end, so earlier counts are kept."""
    rng, quarters = context.rng, context.quarters
    targeted = quarters[quarters.cin_stock.notna()]
    previous_end = -10**9
    closure_column = referrals.columns.get_loc("closure")
    for quarter_number, quarter in targeted.iterrows():
        period_end = int(quarter.end)
        drop = period_end + DROP_LAG
        plan_start, plan_end = plans.start.to_numpy(), plans.end.to_numpy()
        on_plan = plan_person[(plan_start <= period_end)
                              & ((plan_end == NONE) | (plan_end > period_end))
                              & (plans.recorded.to_numpy() <= drop)]
        care_start, care_end = periods.start.to_numpy(), periods.end.to_numpy()
        in_care = period_person[(care_start <= period_end)
                                & ((care_end == NONE) | (care_end > period_end))]
        excluded = np.union1d(on_plan, in_care)
        nfa = ((referrals.nfa_date.to_numpy() != NONE)
               & (referrals.nfa_date.to_numpy() <= drop))
        qualifying = ~nfa & (referrals.referral_date.to_numpy() <= period_end)
        open_ = qualifying & (referrals.closure.to_numpy() > period_end)
        person = referrals.person.to_numpy()
        counted = np.setdiff1d(np.unique(person[open_]), excluded)
        difference = int(quarter.cin_stock) - len(counted)
        adjustable = (referrals.fate.to_numpy() == ASSESSED) & ~referrals.leads.to_numpy()
        if difference < 0:
            open_cases = pd.Series(person[open_]).value_counts()
            one_case = open_cases.index[open_cases.to_numpy() == 1].to_numpy()
            close_after = np.maximum.reduce([
                np.full(len(referrals), previous_end), referrals.min_close.to_numpy(),
                referrals.referral_date.to_numpy()])
            candidates = np.flatnonzero(open_ & adjustable & np.isin(person, one_case)
                                        & ~np.isin(person, excluded)
                                        & (close_after < period_end))
            changed = pick(candidates, -difference, rng)
            referrals.iloc[changed, closure_column] = close_after[changed] + 1 + (
                rng.random(len(changed)) * (period_end - close_after[changed])
            ).astype(np.int64)
        elif difference > 0:
            closure = referrals.closure.to_numpy()
            candidates = np.flatnonzero(qualifying & adjustable & (closure > previous_end)
                                        & (closure <= period_end)
                                        & ~np.isin(person, counted)
                                        & ~np.isin(person, excluded))
            candidates = candidates[~pd.Series(person[candidates]).duplicated().to_numpy()]
            changed = pick(candidates, difference, rng)
            referrals.iloc[changed, closure_column] = period_end + rng.integers(
                20, 200, len(changed))
        context.note("children in need", quarter_number, int(quarter.cin_stock),
                     int(quarter.cin_stock) - difference
                     + (len(changed) if difference else 0) * np.sign(difference))
        previous_end = period_end
