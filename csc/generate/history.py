"""One LA's children's social care history, built to its targets (csc.generate.targets).

Every record carries its days as day numbers (csc.generate.context.NONE = none) and the day
it was recorded; csc.generate.drops turns that into snapshots as at each extract date (what
was recorded by then, with later events not yet known). Each domain module goes quarter by
quarter, choosing in each quarter exactly how many records fall in each state so that
measures computed on the drop that follows the quarter come out at the targets.

`build_history` runs them in the order a service's records come about: contacts, referrals,
assessments, section 47 enquiries and conferences, CP plans and their reviews, who the
children are, children in care (care leavers, long stays, periods, placements, keeping in
touch), when children-in-need cases close, and early help (CAFs). All draw from one random
stream in this order: changing the order changes every record after it.

Loops run over quarters (a few dozen), never over records.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from csc.generate.assessments import build_assessments
from csc.generate.calendar import WorkingDays
from csc.generate.care import build_long_stay_periods, build_periods_of_care
from csc.generate.care_leavers import build_keeping_in_touch, build_leaving_care_cohort
from csc.generate.child_protection import (
    build_enquiries_and_conferences,
    build_plans,
    build_reviews,
)
from csc.generate.children import assign_people
from csc.generate.children_in_need import close_referrals, correct_children_in_need
from csc.generate.contacts import CLOSED_LOGGED, build_contacts, build_referrals
from csc.generate.context import NONE, BuildContext
from csc.generate.early_help import build_cafs
from csc.generate.placements import build_episodes
from csc.generate.targets import LaPlan


@dataclass
class LaHistory:
    """One LA's records as built, before they become the contract's tables
    (csc.generate.tables). Persons are numbers 0 .. n_people - 1."""

    contacts: pd.DataFrame
    referrals: pd.DataFrame
    assessments: pd.DataFrame
    enquiries: pd.DataFrame  # section 47 enquiries
    conferences: pd.DataFrame  # initial child protection conferences
    plans: pd.DataFrame  # CP plans
    plan_person: np.ndarray  # person of each CP plan
    reviews: pd.DataFrame  # CP review conferences
    periods: pd.DataFrame  # periods of care
    period_person: np.ndarray  # person of each period of care
    episodes: pd.DataFrame  # SSDA903 episodes
    care_leaver_contacts: pd.DataFrame
    cafs: pd.DataFrame
    n_people: int
    shortfalls: list[str] = field(default_factory=list)


def build_history(plan: LaPlan, working_days: WorkingDays, rng: np.random.Generator,
                  horizon_end: int) -> LaHistory:
    """Build one LA's history from its targets; nothing is recorded after `horizon_end`
    (the last extract date). Targets that could not be met are in `shortfalls`."""
    context = BuildContext(plan, working_days, rng, horizon_end)
    contacts = build_contacts(context)
    referrals = build_referrals(context, contacts)
    assessments = build_assessments(context, referrals)
    enquiries, conferences = build_enquiries_and_conferences(context, referrals, assessments)
    plans = build_plans(context, conferences)
    reviews = build_reviews(context, plans)

    person_of_referral, plan_person = assign_people(context, referrals, plans, enquiries)
    referrals["person"] = person_of_referral
    n_people = int(max(person_of_referral.max(initial=-1), plan_person.max(initial=-1))) + 1
    # every closed-and-logged contact is a child seen once
    closed_logged = contacts.outcome.to_numpy() == CLOSED_LOGGED
    contacts["person"] = NONE
    contacts.loc[~closed_logged, "person"] = referrals.person.to_numpy()
    contacts.loc[closed_logged, "person"] = n_people + np.arange(closed_logged.sum())
    n_people += int(closed_logged.sum())

    cohort = build_leaving_care_cohort(context)
    long_stays = build_long_stay_periods(context)
    periods = build_periods_of_care(context, cohort, long_stays)
    episodes = build_episodes(context, periods)
    care_leaver_contacts = build_keeping_in_touch(context, periods[periods.cohort])
    # children in care and care leavers are children social care saw in no referral
    period_person = n_people + np.arange(len(periods))
    n_people += len(periods)

    close_referrals(context, referrals, assessments, enquiries, plans)
    correct_children_in_need(context, referrals, plans, plan_person, periods, period_person)
    cafs = build_cafs(context, contacts, referrals)
    return LaHistory(
        contacts=contacts, referrals=referrals, assessments=assessments, enquiries=enquiries,
        conferences=conferences, plans=plans, plan_person=plan_person, reviews=reviews,
        periods=periods, period_person=period_person, episodes=episodes,
        care_leaver_contacts=care_leaver_contacts, cafs=cafs, n_people=n_people,
        shortfalls=context.shortfalls)
