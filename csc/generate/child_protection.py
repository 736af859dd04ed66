"""Child protection: section 47 enquiries, initial child protection conferences, child
protection plans and their review conferences.

Each quarter holds exactly its targeted initial conferences (the targeted number within 15
working days of the enquiry's start), CP plans made, plans recorded late, plan endings (of
which the targeted number after two years or more, and within the quarter they began), the
stock of open plans at its end, and plans failing the review-timeliness test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.context import NONE, YEAR, BuildContext, pick, uniform_between

ICPC_TIMESCALE = 15  # working days from the enquiry's start
ICPC_LATEST = 44  # working days: a late conference is held within this
ENQUIRY_LOOKBACK = 120  # days: enquiries this old at a quarter's start can still confer
CATEGORIES = np.array(["NEG", "EMO", "PHY", "SAB", "MUL"], dtype=object)
CATEGORY_SHARES = [0.45, 0.33, 0.1, 0.05, 0.07]
REVIEW_DEPTH = 40  # most review conferences one plan can have


def build_enquiries_and_conferences(context: BuildContext, referrals: pd.DataFrame,
                                    assessments: pd.DataFrame
                                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Section 47 enquiries (one per S47 referral, starting with its first assessment) and
    the initial conferences held on them, quarter by quarter.

    Returns (enquiries, conferences): enquiries with s47_id, referral_id, start, end, `icpc`
    (conference day or NONE), icpc_required; conferences with quarter, s47_id, `icpc` day,
    `outcome` (a plan was made) and `late_rec` (its plan is recorded after the drop that
    first reports the quarter)."""
    rng, working_days = context.rng, context.working_days
    first_assessment = assessments[assessments.type != "core"].drop_duplicates(
        "referral_id").set_index("referral_id")
    enquiries = referrals[referrals.s47].copy()
    enquiries["start"] = working_days.add(
        first_assessment.start.reindex(enquiries.referral_id).to_numpy(),
        rng.integers(0, 3, size=len(enquiries)))
    enquiries = enquiries[["referral_id", "start"]].reset_index(drop=True)
    enquiries["s47_id"] = np.arange(len(enquiries))
    enquiries["icpc"] = NONE
    enquiries["icpc_late_rec"] = False
    start = enquiries.start.to_numpy()
    start_count = working_days.count_to(start)
    conferred = np.zeros(len(enquiries), dtype=bool)
    by_quarter = []
    for quarter_number, quarter in context.quarters.iterrows():
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        waiting = np.flatnonzero(~conferred & (start <= quarter_end)
                                 & (start >= quarter_start - ENQUIRY_LOOKBACK))
        # working-day positions: earliest conference, last in the quarter, last in time,
        # earliest and last late
        earliest = np.maximum(start_count[waiting], working_days.first_pos(quarter_start))
        quarter_last = working_days.last_pos(quarter_end)
        timely_last = np.minimum(quarter_last, start_count[waiting] + ICPC_TIMESCALE - 1)
        late_first = np.maximum(earliest, start_count[waiting] + ICPC_TIMESCALE)
        late_last = np.minimum(quarter_last, start_count[waiting] + ICPC_LATEST)
        timely = pick(np.flatnonzero(earliest <= timely_last), int(quarter.icpc_timely), rng)
        context.note("ICPC in time", quarter_number, int(quarter.icpc_timely), len(timely))
        could_be_late = np.setdiff1d(np.flatnonzero(late_first <= late_last), timely)
        n_late = int(quarter.icpc) - int(quarter.icpc_timely)
        late = pick(could_be_late, n_late, rng)
        context.note("ICPC late", quarter_number, n_late, len(late))
        # plans recorded late: conferences at the quarter's end whose plan the quarter's
        # drop does not have yet
        at_quarter_end = np.setdiff1d(
            np.flatnonzero((earliest <= timely_last) & (timely_last >= quarter_last - 15)),
            np.concatenate([timely, late]))
        recorded_late = pick(at_quarter_end, int(quarter.plans_late), rng)
        conference_day = np.concatenate([
            working_days.at(uniform_between(earliest[timely], timely_last[timely], rng)),
            working_days.at(uniform_between(late_first[late], late_last[late], rng)),
            working_days.at(timely_last[recorded_late])])
        held = waiting[np.concatenate([timely, late, recorded_late])]
        conferred[held] = True
        enquiries.iloc[held, enquiries.columns.get_loc("icpc")] = conference_day
        late_rec = np.zeros(len(held), dtype=bool)
        late_rec[len(timely) + len(late):] = True
        enquiries.iloc[held, enquiries.columns.get_loc("icpc_late_rec")] = late_rec
        n_on_time = len(timely) + len(late)
        made_plan = pick(np.arange(n_on_time), int(quarter.plans), rng)
        context.note("CP plans", quarter_number, int(quarter.plans), len(made_plan))
        outcome = np.zeros(len(held), dtype=bool)
        outcome[made_plan] = True
        outcome[n_on_time:] = True
        by_quarter.append(pd.DataFrame({
            "quarter": quarter_number, "s47_id": enquiries.s47_id.to_numpy()[held],
            "icpc": conference_day, "outcome": outcome, "late_rec": late_rec}))
    conferences = pd.concat(by_quarter, ignore_index=True)
    # The enquiry closes at (or just before) the conference, else within weeks.
    end = working_days.add(enquiries.start.to_numpy(), rng.integers(5, 26, size=len(enquiries)))
    has_conference = enquiries.icpc.to_numpy() != NONE
    end[has_conference] = np.maximum(
        enquiries.start.to_numpy()[has_conference],
        working_days.add(enquiries.icpc.to_numpy()[has_conference], 0)
        - rng.integers(0, 4, has_conference.sum()))
    enquiries["end"] = end
    enquiries["icpc_required"] = np.where(has_conference, "Y", "N")
    return enquiries, conferences


def build_plans(context: BuildContext, conferences: pd.DataFrame) -> pd.DataFrame:
    """CP plans: those open before the first quarter (no enquiry) and one per conference
    that made a plan; each quarter's targeted endings leave its targeted stock open.

    Columns: start, s47_id (NONE for plans from before), late_rec, quarter, plan_id, end,
    long (kept open two years or more), initial and latest category, recorded."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    made = conferences[conferences.outcome].reset_index(drop=True)
    first_start = int(quarters.start.iloc[0])
    n_before = int(quarters.cp_stock.iloc[0] * 0.95)
    start_before = working_days.uniform(first_start - 2 * YEAR, first_start - 1, n_before, rng)
    plans = pd.DataFrame({
        "start": np.concatenate([start_before, made.icpc.to_numpy()]),
        "s47_id": np.concatenate([np.full(n_before, NONE), made.s47_id.to_numpy()]),
        "late_rec": np.concatenate([np.zeros(n_before, dtype=bool), made.late_rec.to_numpy()]),
    })
    plans["quarter"] = np.searchsorted(quarters.start.to_numpy(), plans.start.to_numpy(),
                                       side="right") - 1
    plans["plan_id"] = np.arange(len(plans))
    plans["end"] = NONE
    plans["long"] = False
    _mark_long_plans(context, plans)
    _end_plans(context, plans)
    plans["initial_category"] = CATEGORIES[rng.choice(len(CATEGORIES), size=len(plans),
                                                      p=CATEGORY_SHARES)]
    changed = rng.random(len(plans)) < 0.1
    plans["latest_category"] = np.where(
        changed, CATEGORIES[rng.integers(0, len(CATEGORIES), len(plans))],
        plans.initial_category)
    plans["recorded"] = np.where(plans.late_rec, plans.start + 30, plans.start)
    # the late-recorded plans appear after the drop that first reports their quarter
    late = plans.late_rec.to_numpy()
    plans.loc[late, "recorded"] = quarters.reported.to_numpy()[
        plans.quarter.to_numpy()[late]] + 6
    return plans


def _mark_long_plans(context: BuildContext, plans: pd.DataFrame) -> None:
    """Long-running plans: in each quarter as many as the two-years-plus endings eight
    quarters later need, and a dozen of the plans from before (sets `long`)."""
    rng, quarters = context.rng, context.quarters
    n_quarters = len(quarters)
    long_column = plans.columns.get_loc("long")
    for quarter_number in range(n_quarters):
        need = (int(quarters.plan_ends_2y.iloc[quarter_number + 8]) + 1
                if quarter_number + 8 < n_quarters else 0)
        started_in = np.flatnonzero(plans.quarter.to_numpy() == quarter_number)
        plans.iloc[pick(started_in, need, rng), long_column] = True
    before = plans.quarter.to_numpy() < 0
    plans.iloc[pick(np.flatnonzero(before), 12, rng), long_column] = True


def _end_plans(context: BuildContext, plans: pd.DataFrame) -> None:
    """End enough open plans in each quarter to leave its targeted stock: long plans past
    two years first, then the targeted ones begun in the quarter, then the oldest-weighted
    others (which stay under two years). Sets `end`."""
    rng, working_days = context.rng, context.working_days
    for quarter_number, quarter in context.quarters.iterrows():
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        start, end = plans.start.to_numpy(), plans.end.to_numpy()
        open_ = (start <= quarter_end) & (end == NONE)
        n_endings = int(open_.sum() - quarter.cp_stock)
        if n_endings <= 0:
            continue
        two_years_on = add_months(start, 24)
        long = plans.long.to_numpy()
        two_years_in_quarter = (working_days.first_pos(np.maximum(two_years_on, quarter_start))
                                <= working_days.last_pos(quarter_end))
        long_due = np.flatnonzero(open_ & long & (two_years_on <= quarter_end)
                                  & two_years_in_quarter)
        after_two_years = long_due[np.argsort(start[long_due])][: int(quarter.plan_ends_2y)]
        context.note("CP plans ending 2y+", quarter_number, int(quarter.plan_ends_2y),
                     len(after_two_years))
        begun_in_quarter = np.flatnonzero(
            open_ & (start >= quarter_start)
            & (start < working_days.at(working_days.last_pos(quarter_end))) & ~long)
        same_quarter = pick(begun_in_quarter,
                            min(int(quarter.plan_ends_same_q),
                                n_endings - len(after_two_years)), rng)
        under_two_years_in_quarter = working_days.first_pos(quarter_start) <= (
            working_days.last_pos(np.minimum(quarter_end, two_years_on - 1)))
        older = np.flatnonzero(open_ & (start < quarter_start) & ~long
                               & (two_years_on > quarter_start) & under_two_years_in_quarter)
        age = (quarter_end - start[older]).astype(float)
        others = pick(older, n_endings - len(after_two_years) - len(same_quarter), rng,
                      weights=age ** 2)
        context.note("CP plan endings", quarter_number, n_endings,
                     len(after_two_years) + len(same_quarter) + len(others))
        earliest = np.concatenate([np.maximum(two_years_on[after_two_years], quarter_start),
                                   start[same_quarter] + 1, np.full(len(others), quarter_start)])
        latest = np.concatenate([np.full(len(after_two_years), quarter_end),
                                 np.full(len(same_quarter), quarter_end),
                                 np.minimum(quarter_end, two_years_on[others] - 1)])
        end_day = working_days.at(uniform_between(working_days.first_pos(earliest),
                                                  working_days.last_pos(latest), rng))
        ending = np.concatenate([after_two_years, same_quarter, others])
        plans.iloc[ending, plans.columns.get_loc("end")] = end_day


def build_reviews(context: BuildContext, plans: pd.DataFrame) -> pd.DataFrame:
    """Review conferences (plan_id, conference_date): first due 3 months after the plan
    starts, then 6 months after the previous review. Each quarter's target of plans failing
    the rolling-year test gets exactly that many plans with one late review falling due in
    the quarter and the plan ending in the next quarter (so each counts at exactly one
    period end)."""
    rng, working_days, quarters = context.rng, context.working_days, context.quarters
    start, end = plans.start.to_numpy(), plans.end.to_numpy()
    stop = np.minimum(np.where(end == NONE, context.horizon_end + 1, end),
                      context.horizon_end + 1)
    n_plans = len(plans)
    days_early = rng.integers(0, 10, size=(REVIEW_DEPTH, n_plans))
    days_late = rng.integers(3, 20, size=(REVIEW_DEPTH, n_plans))

    def schedule(late_review: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Due and held days of each plan's n-th review (one array per n); a plan's review
        number `late_review` is held late and the plan ends before the next falls due."""
        dues, helds = [], []
        due, previous = add_months(start, 3), start
        for review_number in range(REVIEW_DEPTH):
            alive = due < stop
            if not alive.any():
                break
            held = np.maximum(working_days.at(working_days.last_pos(
                due - days_early[review_number])), previous + 1)
            is_late = alive & (late_review == review_number)
            held = np.where(is_late, working_days.at(working_days.first_pos(
                due + days_late[review_number])), held)
            dues.append(np.where(alive, due, NONE))
            helds.append(np.where(alive & (held < stop), held, NONE))
            previous = np.where(alive, held, previous)
            due = np.where(alive, add_months(held, 6), due)
            due = np.where(is_late, stop + 1, due)  # the plan ends before the next one
        return dues, helds

    dues, _ = schedule(np.full(n_plans, -1))
    due_days = np.array(dues) if dues else np.zeros((0, n_plans), dtype=np.int64)
    late_review = np.full(n_plans, -1)
    quarter_ends = quarters.end.to_numpy()
    for quarter_number, quarter in quarters.iterrows():
        n_failing = int(quarter.review_fails)
        if n_failing <= 0 or len(due_days) == 0:
            continue
        quarter_end = int(quarter_ends[quarter_number])
        previous_end = (int(quarter_ends[quarter_number - 1]) if quarter_number > 0
                        else quarter_end - 92)
        next_end = (int(quarter_ends[quarter_number + 1]) if quarter_number + 1 < len(quarters)
                    else int(add_months(np.array([quarter_end]), 3)[0]))
        due_in_quarter = (due_days > previous_end) & (due_days <= quarter_end)
        candidates = np.flatnonzero(
            (late_review < 0) & due_in_quarter.any(axis=0)
            & (start <= add_months(np.array([quarter_end]), -3)[0])
            & (end > quarter_end) & (end <= next_end) & ~plans.late_rec.to_numpy())
        failing = pick(candidates, n_failing, rng)
        context.note("CP plans with a late review", quarter_number, n_failing, len(failing))
        late_review[failing] = np.argmax(due_in_quarter[:, failing], axis=0)
    _, helds = schedule(late_review)
    reviews = [pd.DataFrame({"plan_id": plans.plan_id.to_numpy()[held != NONE],
                             "conference_date": held[held != NONE]}) for held in helds]
    return pd.concat(reviews, ignore_index=True) if reviews else pd.DataFrame(
        {"plan_id": np.array([], dtype=np.int64),
         "conference_date": np.array([], dtype=np.int64)})
