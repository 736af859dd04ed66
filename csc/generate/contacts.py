"""Contacts and referrals: the front door of children's social care.

Each quarter gets exactly its targeted contacts in each outcome (closed and logged, referral
closed as no further action, referral proceeding to assessment, referral yet to proceed),
from referrers in the report's Table 1 mix, plus contacts recorded late (after the drop that
first reports the quarter). Every contact that is not closed and logged is a referral; the
quarter's targeted number of assessed referrals lead to a section 47 enquiry.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.context import NONE, BuildContext, pick

# A contact's outcome (the `outcome` column) ...
CLOSED_LOGGED, NFA, ASSESSED, YET_TO_PROCEED = 0, 1, 2, 3
# ... and the referrer-mix column (targets.LaPlan.source_mix / sources) of each, in order.
OUTCOME_MIX_COLUMNS = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed"]
# What became of a referral (the `fate` column): as `outcome`, with still undecided.
UNDECIDED = 0

PRIMARY_NEEDS = ["N0", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8", "N9"]
PRIMARY_NEED_SHARES = [0.01, 0.55, 0.04, 0.08, 0.18, 0.04, 0.03, 0.03, 0.02, 0.02]


def build_contacts(context: BuildContext) -> pd.DataFrame:
    """All contacts, quarter by quarter: quarter, contact and decision days, outcome,
    referrer (`source`), day recorded and whether recorded late; numbered `contact_id`."""
    rng, working_days, plan = context.rng, context.working_days, context.plan
    by_quarter = []
    mix = plan.source_mix
    referrers = mix.index.to_numpy(dtype=object)
    for quarter_number, quarter in context.quarters.iterrows():
        counts = [quarter.closed_logged, quarter.nfa, quarter.assessed, quarter.yet]
        if quarter_number in plan.sources:
            exact = plan.sources[quarter_number]
            source = np.concatenate([
                np.repeat(exact.index.to_numpy(dtype=object), exact[column].to_numpy())
                for column in OUTCOME_MIX_COLUMNS])
        else:
            source = np.concatenate([
                referrers[rng.choice(len(referrers), size=int(count), p=mix[column].to_numpy())]
                for column, count in zip(OUTCOME_MIX_COLUMNS, counts, strict=True)])
        outcome = np.repeat(np.arange(4), np.asarray(counts, dtype=int))
        n_late = int(quarter.late_contacts)
        late = np.concatenate([np.zeros(len(outcome), dtype=bool), np.ones(n_late, dtype=bool)])
        outcome = np.concatenate([outcome, np.full(n_late, CLOSED_LOGGED, dtype=int)])
        source = np.concatenate([source, referrers[rng.choice(
            len(referrers), size=n_late, p=mix["closed_logged"].to_numpy())]])
        n_contacts = len(outcome)
        order = rng.permutation(n_contacts)
        outcome, source, late = outcome[order], source[order], late[order]
        contact_day = np.sort(working_days.uniform(quarter.start, quarter.end, n_contacts, rng))
        last_working_day = working_days.at(working_days.last_pos(quarter.end))
        decision_day = np.minimum(
            working_days.add(contact_day, rng.integers(0, 2, size=n_contacts)),
            last_working_day)
        decision_day = np.maximum(decision_day, contact_day)
        recorded = np.where(late, quarter.reported + 1 + rng.integers(0, 45, size=n_contacts),
                            contact_day)
        by_quarter.append(pd.DataFrame({
            "quarter": quarter_number, "contact_date": contact_day,
            "decision_date": decision_day, "outcome": outcome, "source": source,
            "recorded": recorded, "late": late}))
    contacts = pd.concat(by_quarter, ignore_index=True)
    contacts["contact_id"] = np.arange(len(contacts))
    return contacts


def build_referrals(context: BuildContext, contacts: pd.DataFrame) -> pd.DataFrame:
    """The referrals (every contact not closed and logged): referral day, NFA day, `fate`
    (what became of it), `assess_after` (a yet-to-proceed referral assessed after its drop),
    `s47` and primary need.

    Yet-to-proceed referrals are restated on later drops: closed as NFA where the plan asks
    (the demo's ytd figures), otherwise most proceed to assessment, some (uncalibrated LAs)
    close as NFA, a few stay undecided."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    referrals = contacts[contacts.outcome > CLOSED_LOGGED].copy()
    referrals["referral_id"] = np.arange(len(referrals))
    referrals["referral_date"] = referrals.decision_date
    n_referrals = len(referrals)
    referrals["nfa_date"] = np.where(referrals.outcome == NFA, referrals.decision_date, NONE)
    referrals["fate"] = np.where(referrals.outcome == ASSESSED, ASSESSED,
                                 np.where(referrals.outcome == NFA, NFA, UNDECIDED))
    referrals["assess_after"] = NONE
    reported = quarters.reported.to_numpy()[referrals.quarter.to_numpy()]
    nfa_day_column = referrals.columns.get_loc("nfa_date")
    fate_column = referrals.columns.get_loc("fate")
    for referral_quarter, after, by, how_many in context.plan.restated_nfa:
        still_yet = np.flatnonzero((referrals.quarter.to_numpy() == referral_quarter)
                                   & (referrals.outcome.to_numpy() == YET_TO_PROCEED)
                                   & (referrals.fate.to_numpy() == UNDECIDED))
        restated = pick(still_yet, how_many, rng)
        context.note("restated NFA", referral_quarter, how_many, len(restated))
        referrals.iloc[restated, nfa_day_column] = working_days.uniform(
            after + 1, by, len(restated), rng)
        referrals.iloc[restated, fate_column] = NFA
    yet = np.flatnonzero((referrals.outcome.to_numpy() == YET_TO_PROCEED)
                         & (referrals.fate.to_numpy() == UNDECIDED))
    draw = rng.random(len(yet))
    decided_on = reported[yet] + 1 + rng.integers(0, 60, size=len(yet))
    # calibrated quarters restate NFAs only as planned (the report's ytd figures say how)
    nfa_share = 0.0 if context.plan.calibrated else 0.3
    referrals.iloc[yet[draw < nfa_share], nfa_day_column] = working_days.at(
        working_days.first_pos(decided_on[draw < nfa_share]))
    referrals.iloc[yet[draw < nfa_share], fate_column] = NFA
    assessed_later = yet[draw >= 0.45]
    referrals.iloc[assessed_later, referrals.columns.get_loc("assess_after")] = working_days.at(
        working_days.first_pos(decided_on[draw >= 0.45]))
    referrals.iloc[assessed_later, fate_column] = ASSESSED
    referrals["s47"] = False
    for quarter_number, quarter in quarters.iterrows():
        assessed = np.flatnonzero((referrals.quarter.to_numpy() == quarter_number)
                                  & (referrals.outcome.to_numpy() == ASSESSED))
        to_s47 = pick(assessed, int(quarter.s47), rng)
        context.note("S47 referrals", quarter_number, int(quarter.s47), len(to_s47))
        referrals.iloc[to_s47, referrals.columns.get_loc("s47")] = True
    referrals["need"] = np.where(referrals.s47, "N1", rng.choice(
        PRIMARY_NEEDS, size=n_referrals, p=PRIMARY_NEED_SHARES))
    return referrals.reset_index(drop=True)
