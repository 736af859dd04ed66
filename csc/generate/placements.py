"""Placements: the SSDA903 episodes of each period of care.

An episode starts with each change: the start of care (RNE S), a change of placement (P, B,
T, U; adoptive placements before an adoption), a change of legal status alone (L). Each
quarter gets exactly its targeted children reaching three placements in the financial year;
other children move about once in four years. For the demo, the long-stay children's dates
of birth and moves are designed so that the placement-length measure (2.5+ years in care,
2+ years in the same placement) is exact at each targeted period end (docs/calibration.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.care import length_measure_ends
from csc.generate.context import NONE, BuildContext, pick

ADOPTION_REASONS = ["E11", "E12"]
PLACEMENT_TYPES = np.array(["U1", "U2", "U3", "U4", "U5", "U6", "K2", "R1", "P1", "H5", "S1",
                            "T1", "Z1"], dtype=object)
PLACEMENT_TYPE_SHARES = [0.2, 0.08, 0.25, 0.1, 0.08, 0.04, 0.09, 0.02, 0.06, 0.03, 0.01, 0.02,
                         0.02]
LEGAL_STATUSES = np.array(["C2", "V2", "C1", "E1", "J2", "L1"], dtype=object)
LEGAL_STATUS_SHARES = [0.55, 0.25, 0.14, 0.03, 0.02, 0.01]
PLACEMENT_CHANGE_REASONS = ["CARPL", "CHILD", "LAREQ", "PLACE", "CLOSE", "ALLEG", "OTHER",
                            "APPRR", "CREQB", "CREQO", "STAND"]


def build_episodes(context: BuildContext, periods: pd.DataFrame) -> pd.DataFrame:
    """Episodes of every period of care: period_id, start, rne, adoptive, end,
    reason_ceased, placement_type, legal_status, placement_provider, reason_place_change,
    episode_id. Sets the long-stay periods' `dob` (design_long_stays)."""
    rng = context.rng
    start = periods.start.to_numpy()
    end = np.where(periods.end.to_numpy() == NONE, context.horizon_end + 1,
                   periods.end.to_numpy())
    moved_period, move_day, adoptive = _placement_moves(context, periods, start, end)
    move_rne = rng.choice(["P", "P", "P", "B", "T", "U"], size=len(moved_period)).astype(object)
    move_rne[adoptive] = "P"
    # legal-status changes (RNE L): not a change of placement
    legal_change = np.flatnonzero((rng.random(len(start)) < 0.2) & (end - start > 30))
    legal_change_day = start[legal_change] + 1 + (
        rng.random(len(legal_change)) * (end[legal_change] - start[legal_change] - 2)
    ).astype(np.int64)
    return _episode_rows(context, periods, start, (moved_period, move_day, adoptive), move_rne,
                         legal_change, legal_change_day)


def _placement_moves(context: BuildContext, periods: pd.DataFrame, start: np.ndarray,
                     end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Changes of placement: (period index, day, adoptive placement) per move."""
    rng, quarters = context.rng, context.quarters
    moves: list[tuple[np.ndarray, np.ndarray]] = []  # (period indices, days)
    year_starts = np.unique(quarters.start.to_numpy()[quarters.qn.to_numpy() == 1])
    year_starts = np.concatenate([
        add_months(np.array([year_starts[0]]), -12 * np.arange(5, 0, -1)), year_starts])
    blocked: dict[int, np.ndarray] = {}  # financial year start -> periods moved by target
    adopted = np.isin(periods.reason.to_numpy(), ADOPTION_REASONS)
    placed_for_adoption = np.maximum(start + 1, end - rng.integers(90, 270, size=len(periods)))
    long_stay = periods.long_stay.to_numpy()  # their moves are designed (design_long_stays)
    # unstable children: two extra moves in the financial year, the second in the quarter
    unstable = np.zeros(len(periods), dtype=bool)
    for quarter_number, quarter in quarters.iterrows():
        target = int(quarter.moves3)
        if target <= 0:
            continue
        quarter_start, quarter_end = int(quarter.start), int(quarter.end)
        year_start = int(year_starts[np.searchsorted(year_starts, quarter_start,
                                                     side="right") - 1])
        year_end = int(add_months(np.array([year_start]), 12)[0]) - 1
        candidates = np.flatnonzero(~unstable & ~adopted & (start < quarter_end - 60)
                                    & (end > year_end + 1) & ~periods.cohort.to_numpy()
                                    & ~long_stay)
        chosen = pick(candidates, target, rng)
        context.note("children with 3+ placements", quarter_number, target, len(chosen))
        unstable[chosen] = True
        first_earliest = np.maximum(start[chosen] + 1, year_start)
        first_move = first_earliest + (rng.random(len(chosen))
                                       * (quarter_end - 10 - first_earliest)).astype(np.int64)
        second_earliest = np.maximum(first_move + 1, quarter_start)
        second_move = second_earliest + (rng.random(len(chosen))
                                         * (quarter_end - second_earliest + 1)).astype(np.int64)
        moves += [(chosen, first_move), (chosen, second_move)]
        blocked.setdefault(year_start, np.zeros(len(start), dtype=bool))[chosen] = True
    for year_start in year_starts:
        next_year_start = int(add_months(np.array([year_start]), 12)[0])
        earliest = np.maximum(start + 1, year_start)
        latest = np.minimum(end - 1, next_year_start - 1)
        moves_this_year = (earliest <= latest) & (rng.random(len(start)) < 0.28) & ~long_stay
        if int(year_start) in blocked:
            moves_this_year &= ~blocked[int(year_start)]
        adopted_this_year = (adopted & (placed_for_adoption >= year_start)
                             & (placed_for_adoption < next_year_start))
        moves_this_year &= ~adopted_this_year
        moving = np.flatnonzero(moves_this_year)
        moves.append((moving, earliest[moving] + (
            rng.random(len(moving)) * (latest[moving] - earliest[moving] + 1)).astype(np.int64)))
    adoptions = np.flatnonzero(adopted)
    moves.append((adoptions, placed_for_adoption[adoptions]))
    moved_period = np.concatenate([move[0] for move in moves]).astype(np.int64)
    move_day = np.concatenate([move[1] for move in moves]).astype(np.int64)
    adoptive = np.zeros(len(moved_period), dtype=bool)
    adoptive[len(moved_period) - len(adoptions):] = True
    if long_stay.any():
        designed_period, designed_day = design_long_stays(context, periods, moved_period,
                                                          move_day, adoptive)
        moved_period = np.concatenate([moved_period, designed_period])
        move_day = np.concatenate([move_day, designed_day])
        adoptive = np.concatenate([adoptive, np.zeros(len(designed_period), dtype=bool)])
    return moved_period, move_day, adoptive


def _episode_rows(context: BuildContext, periods: pd.DataFrame, start: np.ndarray,
                  moves: tuple[np.ndarray, np.ndarray, np.ndarray], move_rne: np.ndarray,
                  legal_change: np.ndarray, legal_change_day: np.ndarray) -> pd.DataFrame:
    """One episode a day per period, with its end, reason ceased and placement details."""
    rng = context.rng
    moved_period, move_day, adoptive = moves
    episodes = pd.DataFrame({
        "period_id": np.concatenate([periods.period_id.to_numpy(), moved_period,
                                     legal_change]),
        "start": np.concatenate([start, move_day, legal_change_day]),
        "rne": np.concatenate([np.full(len(start), "S", dtype=object), move_rne,
                               np.full(len(legal_change), "L", dtype=object)]),
        "adoptive": np.concatenate([np.zeros(len(start), bool), adoptive,
                                    np.zeros(len(legal_change), bool)]),
    })
    # One episode a day: the start of care first, then a change of placement, then a
    # change of legal status alone (which a same-day move carries anyway).
    rne = episodes.rne.to_numpy()
    episodes["_rank"] = np.select([rne == "S", rne == "L"], [0, 2], 1)
    episodes = episodes.sort_values(["period_id", "start", "_rank"], kind="stable")
    episodes = episodes.drop_duplicates(["period_id", "start"], keep="first").drop(
        columns="_rank")
    episodes = episodes.reset_index(drop=True)
    n_episodes = len(episodes)
    period_of = episodes.period_id.to_numpy()
    next_is_same_period = np.zeros(n_episodes, dtype=bool)
    next_is_same_period[:-1] = period_of[1:] == period_of[:-1]
    next_start = np.full(n_episodes, NONE)
    next_start[:-1] = episodes.start.to_numpy()[1:]
    episodes["end"] = np.where(next_is_same_period, next_start,
                               periods.end.to_numpy()[period_of])
    episodes["reason_ceased"] = np.where(next_is_same_period, "",
                                         periods.reason.to_numpy()[period_of])
    placement = PLACEMENT_TYPES[rng.choice(len(PLACEMENT_TYPES), size=n_episodes,
                                           p=PLACEMENT_TYPE_SHARES)]
    placement[episodes.adoptive.to_numpy()] = rng.choice(["A5", "A6"],
                                                         size=episodes.adoptive.sum())
    legal_only = episodes.rne.to_numpy() == "L"
    # a change of legal status alone keeps the placement
    placement = pd.Series(np.where(legal_only, None, placement)).ffill().to_numpy()
    episodes["placement_type"] = placement
    period_legal_status = LEGAL_STATUSES[rng.choice(len(LEGAL_STATUSES), size=len(periods),
                                                    p=LEGAL_STATUS_SHARES)]
    legal_status = period_legal_status[period_of]
    legal_status = np.where(legal_only, np.where(legal_status == "C1", "C2", "C1"),
                            legal_status)
    legal_status = np.where(episodes.adoptive.to_numpy(), "E1", legal_status)
    episodes["legal_status"] = legal_status
    episodes["placement_provider"] = np.where(
        np.char.startswith(placement.astype(str), "U"),
        rng.choice(["PR1", "PR4"], size=n_episodes, p=[0.8, 0.2]),
        rng.choice(["PR1", "PR2", "PR3", "PR4", "PR5"], size=n_episodes))
    moved = np.isin(episodes.rne.to_numpy(), ["P", "B", "T", "U"])
    episodes["reason_place_change"] = np.where(
        moved, rng.choice(PLACEMENT_CHANGE_REASONS, size=n_episodes), "")
    episodes["episode_id"] = np.arange(n_episodes)
    return episodes


def placement_length_status(periods: pd.DataFrame, moved_period: np.ndarray,
                            move_day: np.ndarray, adoptive: np.ndarray,
                            as_at: int) -> tuple[np.ndarray, np.ndarray]:
    """Per period, at day `as_at` (measures.md, cic_placement_stability_length): counted
    (in care, aged under 16, period of care began 2.5+ years before) and stable (current
    placement began 2+ years before, or placed for adoption)."""
    start, end = periods.start.to_numpy(), periods.end.to_numpy()
    counted = ((start <= as_at) & ((end == NONE) | (end > as_at))
               & (periods.dob.to_numpy() > add_months(np.array([as_at]), -192)[0])
               & (start <= add_months(np.array([as_at]), -30)[0]))
    placed_on = start.copy()
    placed_for_adoption = np.zeros(len(start), dtype=bool)
    known = move_day <= as_at
    order = np.lexsort((move_day[known], moved_period[known]))
    period_of = moved_period[known][order]
    day_of = move_day[known][order]
    adoptive_of = adoptive[known][order]
    latest = (np.r_[period_of[1:] != period_of[:-1], True] if len(period_of)
              else np.zeros(0, dtype=bool))
    placed_on[period_of[latest]] = np.maximum(placed_on[period_of[latest]], day_of[latest])
    placed_for_adoption[period_of[latest]] = adoptive_of[latest]
    stable = (placed_on <= add_months(np.array([as_at]), -24)[0]) | placed_for_adoption
    return counted, stable


def design_long_stays(context: BuildContext, periods: pd.DataFrame, moved_period: np.ndarray,
                      move_day: np.ndarray, adoptive: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray]:
    """Dates of birth and placement moves of the long-stay children, so that at each
    targeted period end the measure's denominator and numerator come out exact.

    The rest of the care population already contributes some children (counted there
    first). Of the long-stay children, going from period end to period end, the surplus
    over what is still needed turn 16 (their date of birth says when), and a child is
    unstable at an end when a move fell in the two years before it: a move before the
    first end keeps a child unstable up to a chosen end, a move between two ends makes
    it unstable from then on. At most one move per financial year, so the
    placement-moves measure (3+ placements in the year) is untouched. Sets the long-stay
    rows' `dob` in `periods`; returns the moves (period index, day)."""
    rng = context.rng
    ends, want_counted, want_stable = length_measure_ends(context)
    n_ends = len(ends)
    long_stay = np.flatnonzero(periods.long_stay.to_numpy())
    others = ~periods.long_stay.to_numpy()
    others_counted = np.zeros(n_ends, dtype=np.int64)
    others_stable = np.zeros(n_ends, dtype=np.int64)
    for end_number, as_at in enumerate(ends):
        counted, stable = placement_length_status(periods, moved_period, move_day, adoptive,
                                                  int(as_at))
        others_counted[end_number] = (counted & others).sum()
        others_stable[end_number] = (counted & stable & others).sum()
    still_counted = want_counted - others_counted
    still_unstable = still_counted - (want_stable - others_stable)
    start = periods.start.to_numpy()[long_stay]
    n_long = len(long_stay)
    began_by = add_months(ends, -30)
    first_end = np.searchsorted(began_by, start, side="left")  # first end with 2.5 years
    # Who counts: the surplus at each end turns 16 before it.
    last_end = np.full(n_long, n_ends - 1)
    counting = np.zeros(n_long, dtype=bool)
    for end_number in range(n_ends):
        counting |= first_end == end_number
        surplus = int(counting.sum()) - int(still_counted[end_number])
        turning_16 = pick(np.flatnonzero(counting), surplus, rng)
        last_end[turning_16] = end_number - 1
        counting[turning_16] = False
        context.note("children in care 2.5+ years aged under 16", end_number,
                     int(want_counted[end_number]),
                     int(others_counted[end_number] + counting.sum()))
    born_by_for_16 = add_months(ends, -192)  # born after this: under 16 at the end
    dob = np.empty(n_long, dtype=np.int64)
    stays_under_16 = last_end == n_ends - 1
    born_after = born_by_for_16[-1] + 1
    dob[stays_under_16] = born_after + (rng.random(stays_under_16.sum())
                                        * (start[stays_under_16] - born_after)).astype(np.int64)
    turns_16 = np.flatnonzero(~stays_under_16)
    sixteen_at = last_end[turns_16] + 1  # first end they are 16 at
    born_after_16 = born_by_for_16[np.maximum(sixteen_at - 1, 0)]
    # never counted: 16 or 17 by the end they first could count at, under 18 throughout
    oldest = int(add_months(np.array([context.horizon_end]), -216)[0]) + 30
    born_after_16 = np.where(last_end[turns_16] < first_end[turns_16],
                             np.maximum(born_by_for_16[sixteen_at] - 548, oldest),
                             born_after_16)
    dob[turns_16] = born_after_16 + 1 + (
        rng.random(len(turns_16)) * (born_by_for_16[sixteen_at] - born_after_16)
    ).astype(np.int64)
    periods.loc[long_stay, "dob"] = dob
    # Who is settled: unstable_until = last end a move before the first end keeps them
    # unstable for (-1: none), unstable_from = the end from which a move between ends makes
    # them unstable.
    unstable_until = np.full(n_long, -1)
    open_run = np.zeros(n_long, dtype=bool)
    unstable_from = np.full(n_long, n_ends)
    decided = np.zeros(n_long, dtype=bool)
    for end_number in range(n_ends):
        counts = (first_end <= end_number) & (last_end >= end_number)
        unstable_for_good = counts & (unstable_from <= end_number)
        runs = np.flatnonzero(counts & open_run & ~unstable_for_good)
        new = np.flatnonzero(counts & ~decided)
        settled = np.flatnonzero(counts & decided & ~open_run & ~unstable_for_good)
        need = int(still_unstable[end_number]) - int(unstable_for_good.sum())
        keep = pick(runs, max(0, need), rng)
        closed = np.setdiff1d(runs, keep)
        unstable_until[closed], open_run[closed] = end_number - 1, False
        need -= len(keep)
        opened = pick(new, max(0, need), rng)
        open_run[opened] = True
        decided[new] = True
        need -= len(opened)
        moved = pick(settled, max(0, need) if end_number > 0 else 0, rng)
        unstable_from[moved] = end_number
        need -= len(moved)
        got = int(counts.sum()) - (int(still_unstable[end_number]) - need)
        context.note("long-stay children in a 2-year placement", end_number,
                     int(want_stable[end_number]), int(others_stable[end_number]) + got)
    unstable_until[open_run] = n_ends - 1
    two_years_before = add_months(ends, -24)
    moved_periods, move_days = [], []
    early_move = np.flatnonzero(unstable_until >= 0)
    after = two_years_before[unstable_until[early_move]]
    by = np.where(unstable_until[early_move] < n_ends - 1,
                  two_years_before[np.minimum(unstable_until[early_move] + 1, n_ends - 1)],
                  np.maximum(ends[0], after + 1))
    moved_periods.append(early_move)
    move_days.append(after + 1 + (rng.random(len(early_move)) * (by - after)).astype(np.int64))
    later_move = np.flatnonzero(unstable_from < n_ends)
    after = ends[unstable_from[later_move] - 1]
    by = ends[unstable_from[later_move]]
    moved_periods.append(later_move)
    move_days.append(after + 1 + (rng.random(len(later_move)) * (by - after)).astype(np.int64))
    # earlier moves, settled long before the first end (a year before any later move)
    history_by = np.where(unstable_until >= 0, two_years_before[0] - 366, two_years_before[0])
    history_move = np.flatnonzero((rng.random(n_long) < 0.6) & (history_by > start + 1))
    moved_periods.append(history_move)
    move_days.append(start[history_move] + 1 + (
        rng.random(len(history_move)) * (history_by[history_move] - start[history_move] - 1)
    ).astype(np.int64))
    return long_stay[np.concatenate(moved_periods)], np.concatenate(move_days)
