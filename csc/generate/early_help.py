"""Early help: CAF assessments, by quarter and initiating agency, and whose child each is.

Each quarter's targeted closed-and-logged contacts are of children with an active CAF (one
started one to eight months before); some children stepped down from social care (an RC9
closure) get a CAF within 30 days; some other CAF children are children social care knows,
most are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.contacts import CLOSED_LOGGED
from csc.generate.context import NONE, BuildContext, pick, uniform_between

CLOSURE_REASONS = ["Stepped up to social care", "Moved away", "Family withdrew consent",
                   "Transferred to another agency"]


def build_cafs(context: BuildContext, contacts: pd.DataFrame,
               referrals: pd.DataFrame) -> pd.DataFrame:
    """CAFs in start order: quarter, agency, start, closure, person (a RAISE person, or
    NONE for a child social care never saw), closure_reason."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    by_agency = context.plan.agencies
    counts = by_agency.to_numpy().astype(int)
    quarter_of = np.repeat(np.repeat(np.arange(len(quarters)), counts.shape[1]), counts.ravel())
    agency = np.tile(by_agency.columns.to_numpy(dtype=object), len(quarters))
    agency = np.repeat(agency, counts.ravel())
    quarter_start = quarters.start.to_numpy()[quarter_of]
    quarter_end = quarters.end.to_numpy()[quarter_of]
    start = working_days.at(uniform_between(working_days.first_pos(quarter_start),
                                            working_days.last_pos(quarter_end), rng))
    cafs = pd.DataFrame({"quarter": quarter_of, "agency": agency, "start": start,
                         "closure": start + rng.integers(60, 420, len(quarter_of)),
                         "person": NONE})
    cafs = cafs.sort_values("start", kind="stable").reset_index(drop=True)
    person_column = cafs.columns.get_loc("person")
    closure_column = cafs.columns.get_loc("closure")
    linked = np.zeros(len(cafs), dtype=bool)
    closed_logged = contacts[(contacts.outcome == CLOSED_LOGGED) & ~contacts.late]
    for quarter_number, quarter in quarters.iterrows():
        target = int(quarter.cl_caf)
        if target <= 0:
            continue
        first_day = int(quarter.start)
        in_quarter = closed_logged[closed_logged.quarter == quarter_number]
        with_caf = pick(np.arange(len(in_quarter)), target, rng)
        active = np.flatnonzero(~linked & (cafs.start.to_numpy() < first_day - 7)
                                & (cafs.start.to_numpy() >= first_day - 240))
        their_cafs = pick(active, len(with_caf), rng)
        context.note("closed-and-logged contacts with an active CAF", quarter_number, target,
                     len(their_cafs))
        with_caf = with_caf[: len(their_cafs)]
        linked[their_cafs] = True
        cafs.iloc[their_cafs, person_column] = in_quarter.person.to_numpy()[with_caf]
        contact_day = in_quarter.contact_date.to_numpy()[with_caf]
        cafs.iloc[their_cafs, closure_column] = np.maximum(
            cafs.closure.to_numpy()[their_cafs],
            contact_day + rng.integers(14, 200, len(their_cafs)))
    # Step down to early help: a CAF starting within 30 days of an RC9 closure.
    stepped_down = referrals[(referrals.closure_reason == "RC9")
                             & (rng.random(len(referrals)) < 0.3)]
    starts = cafs.start.to_numpy()
    next_caf = np.searchsorted(starts, stepped_down.closure.to_numpy(), side="left")
    exists = next_caf < len(cafs)
    next_caf, persons = next_caf[exists], stepped_down.person.to_numpy()[exists]
    in_time = (starts[next_caf] <= stepped_down.closure.to_numpy()[exists] + 30) & ~linked[
        next_caf]
    next_caf, persons = next_caf[in_time], persons[in_time]
    next_caf, first_of = np.unique(next_caf, return_index=True)
    cafs.iloc[next_caf, person_column] = persons[first_of]
    linked[next_caf] = True
    # Some other CAF children are children social care knows; most are not.
    known = np.flatnonzero(~linked & (rng.random(len(cafs)) < 0.3))
    referred_people = referrals.person.to_numpy()
    cafs.iloc[known, person_column] = referred_people[
        rng.integers(0, len(referred_people), len(known))]
    cafs["closure_reason"] = np.where(rng.random(len(cafs)) < 0.6, "Outcomes achieved",
                                      rng.choice(CLOSURE_REASONS, len(cafs)))
    return cafs
