"""Assessments: initial assessments (or single assessments from the LA's switch date) of the
referrals that proceed, and core assessments following an initial assessment.

Each quarter completes exactly its targeted initial and core assessments, and exactly the
targeted number of them within timescale (10 working days from referral for an initial
assessment, 35 working days from its start for a core assessment); the late ones go to the
longest-waiting (initial) or to referrals with a section 47 enquiry (core) first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.contacts import ASSESSED
from csc.generate.context import NONE, BuildContext, pick, uniform_between

INITIAL_TIMESCALE = 10  # working days from the referral
CORE_TIMESCALE = 35  # working days from the core assessment's start


def build_assessments(context: BuildContext, referrals: pd.DataFrame) -> pd.DataFrame:
    """Assessments of the assessed referrals: assessment_id, referral_id, type (initial,
    single or core), start and completed days (NONE: not completed)."""
    first = _first_assessments(context, referrals)
    _complete_initial_assessments(context, first)
    first["assessment_id"] = np.arange(len(first))
    core = _core_assessments(context, first)
    if core is not None:
        core["assessment_id"] = len(first) + np.arange(len(core))
        first = pd.concat([first, core], ignore_index=True)
    return first[["assessment_id", "referral_id", "type", "start", "completed"]]


def _first_assessments(context: BuildContext, referrals: pd.DataFrame) -> pd.DataFrame:
    """The initial or single assessment of each assessed referral; single assessments are
    completed here, initial ones quarter by quarter to the targets."""
    rng, working_days = context.rng, context.working_days
    assessed = referrals.fate.to_numpy() == ASSESSED
    start = np.where(
        referrals.outcome.to_numpy() == ASSESSED,
        np.minimum(working_days.add(referrals.referral_date.to_numpy(),
                                    rng.integers(0, 4, size=len(referrals))),
                   context.quarters.end.to_numpy()[referrals.quarter.to_numpy()] + 10),
        referrals.assess_after.to_numpy())
    first = pd.DataFrame({"referral_id": referrals.referral_id[assessed].to_numpy(),
                          "start": start[assessed],
                          "referral_date": referrals.referral_date[assessed].to_numpy(),
                          "s47": referrals.s47[assessed].to_numpy()})
    first["type"] = np.where(first.start >= context.plan.single_from, "single", "initial")
    first["completed"] = NONE
    single = (first.type == "single").to_numpy()
    first.loc[single, "completed"] = working_days.add(first.start[single].to_numpy(),
                                                      rng.integers(15, 60, size=single.sum()))
    return first


def _complete_initial_assessments(context: BuildContext, first: pd.DataFrame) -> None:
    """Complete each quarter's targeted initial assessments, the targeted number of them
    within 10 working days of the referral (sets `completed`)."""
    rng, working_days = context.rng, context.working_days
    referral_count = working_days.count_to(first.referral_date.to_numpy())
    completed = first.completed.to_numpy().astype(np.int64)
    start = first.start.to_numpy().astype(np.int64)
    referral_day = first.referral_date.to_numpy()
    single = (first.type == "single").to_numpy()
    for quarter_number, quarter in context.quarters.iterrows():
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        open_ = np.flatnonzero(~single & (completed == NONE) & (start <= quarter_end))
        if len(open_) == 0:
            continue
        # working-day positions: earliest completion, last in the quarter, last in time,
        # earliest late
        earliest = np.maximum(working_days.first_pos(start[open_]),
                              working_days.first_pos(quarter_start))
        quarter_last = working_days.last_pos(quarter_end)
        timely_last = np.minimum(quarter_last, referral_count[open_] + INITIAL_TIMESCALE - 1)
        late_first = np.maximum(earliest, referral_count[open_] + INITIAL_TIMESCALE)
        timely = pick(np.flatnonzero(earliest <= timely_last), int(quarter.ia_timely), rng)
        context.note("initial assessments in time", quarter_number, int(quarter.ia_timely),
                     len(timely))
        could_be_late = np.setdiff1d(np.flatnonzero(late_first <= quarter_last), timely)
        waited = (quarter_end - referral_day[open_][could_be_late]).astype(float)
        n_late = int(quarter.ia_done) - int(quarter.ia_timely)
        late = pick(could_be_late, n_late, rng, weights=waited ** 2)
        context.note("initial assessments late", quarter_number, n_late, len(late))
        done = np.full(len(open_), NONE, dtype=np.int64)
        done[timely] = working_days.at(uniform_between(earliest[timely], timely_last[timely],
                                                       rng))
        done[late] = working_days.at(uniform_between(late_first[late],
                                                     np.full(len(late), quarter_last), rng))
        chosen = np.concatenate([timely, late])
        completed[open_[chosen]] = done[chosen]
    first["completed"] = completed


def _core_assessments(context: BuildContext, first: pd.DataFrame) -> pd.DataFrame | None:
    """Core assessments starting the working day after an initial assessment completes:
    each quarter's target, the targeted number within 35 working days (None if none)."""
    rng, working_days = context.rng, context.working_days
    completed = first.completed.to_numpy().astype(np.int64)
    is_initial = first.type.to_numpy() == "initial"
    has_s47 = first.s47.to_numpy()
    referral_id = first.referral_id.to_numpy()
    by_quarter = []
    has_core = np.zeros(len(first), dtype=bool)
    for quarter_number, quarter in context.quarters.iterrows():
        if quarter.ca_done <= 0:
            continue
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        initial = np.flatnonzero(is_initial & ~has_core
                                 & (completed != NONE) & (completed <= quarter_end))
        core_start = working_days.add(completed[initial], 1)
        start_count = working_days.count_to(core_start)
        earliest = np.maximum(working_days.first_pos(core_start),
                              working_days.first_pos(quarter_start))
        quarter_last = working_days.last_pos(quarter_end)
        timely_last = np.minimum(quarter_last, start_count + CORE_TIMESCALE - 1)
        late_first = np.maximum(earliest, start_count + CORE_TIMESCALE)
        weight = np.where(has_s47[initial], 5.0, 1.0)
        can_be_timely = earliest <= timely_last
        timely = pick(np.flatnonzero(can_be_timely), int(quarter.ca_timely), rng,
                      weights=weight[can_be_timely])
        context.note("core assessments in time", quarter_number, int(quarter.ca_timely),
                     len(timely))
        could_be_late = np.setdiff1d(np.flatnonzero(late_first <= quarter_last), timely)
        n_late = int(quarter.ca_done) - int(quarter.ca_timely)
        late = pick(could_be_late, n_late, rng, weights=weight[could_be_late])
        context.note("core assessments late", quarter_number, n_late, len(late))
        done = np.concatenate([
            working_days.at(uniform_between(earliest[timely], timely_last[timely], rng)),
            working_days.at(uniform_between(late_first[late], np.full(len(late), quarter_last),
                                            rng))])
        chosen = np.concatenate([timely, late])
        has_core[initial[chosen]] = True
        by_quarter.append(pd.DataFrame({"referral_id": referral_id[initial[chosen]],
                                        "start": core_start[chosen], "completed": done,
                                        "type": "core"}))
    return pd.concat(by_quarter, ignore_index=True) if by_quarter else None
