"""The service that holds the children's cases: its teams, the workers who join and leave
them, and who holds each child's case from day to day (the RAISE allocations table).

Teams, by what they do (names as the Cabinet report's council would use them):

- front door: the First Contact Team (FCT) decides contacts; it holds no case.
- assessment: Assessment Team n (ASTn) holds referrals being assessed and short
  child-in-need work (allocation role allocated_social_worker, as the next two).
- safeguarding: Safeguarding and Care Planning Team n (SCPn) holds child-in-need cases after
  assessment, core assessments and child protection plans.
- in care: Children in Care Team n (CICn) holds children in care.
- leaving care: Leaving Care Team n (LCTn), care leavers from 18 to 21, each with a
  personal adviser (allocation role personal_adviser).

A child's case moves between them as the child's records do: a referral goes to an
assessment team; after the assessment a case still open moves to a safeguarding and care
planning team (at once with a core assessment, else a few weeks after the assessment);
a child protection plan is held there; a child in care is held by a children in care team
and, leaving care at 18, by a leaving care team's personal adviser until 21. At any day the
most intensive of a child's open cases decides the team (care, then protection and care
planning, then assessment). When every case of the child has closed (referral closure, plan
end, care end, 21st birthday) the allocation ends.

Each team has posts: a team manager (holds no cases) and case-holding workers, as many as
the team's caseload needs (about 16-22 children each, personal advisers about 22). A post is
held by one worker after another: workers join and leave (tenures of a few years), and a
post may stay vacant for weeks between them. A child's case stays on one post while with a
team; while the post is vacant the case is held by the team with no worker (an allocation
row with an empty worker_id), as it is for the first days after some transfers. A worker's
allocations therefore lie within their tenure, and a worker first appears in the drop after
they join (workers.csv carries no dates: a worker who has left stays listed).

The contacts' worker is the First Contact Team's officer on duty; a referral's and an
assessment's team and worker are the child's allocation on its date (an assessment's worker
is the social worker allocated when it starts).

Everything here draws from the LA's service stream (its own, not the history's), so the
history's records are the same with or without it. Loops run over post generations and
the few team kinds, never over records.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csc.generate.calendar import add_months
from csc.generate.context import NEVER, NONE, YEAR

# Case levels, in order of intensity (the highest open one decides the team).
ASSESSMENT, SAFEGUARDING, IN_CARE, LEAVING_CARE = 1, 2, 3, 4
FRONT_DOOR = 0
SERVICE_STREAM = 25  # with the LA's seed: the service's random stream
EARLIEST = -(2**30)  # a day before any record
KEY = np.int64(2**32)  # post or person number x KEY + day: one sortable key


@dataclass(frozen=True)
class TeamKind:
    prefix: str
    name: str  # "{n}": the team's number
    worker_role: str  # of its case-holding workers
    allocation_role: str
    caseload: float  # children per case-holding worker, on average
    per_team: int  # case-holding workers per team, about


KINDS = {
    FRONT_DOOR: TeamKind("FCT", "First Contact Team", "first_contact_officer", "", 0, 8),
    ASSESSMENT: TeamKind("AST", "Assessment Team {n}", "social_worker",
                         "allocated_social_worker", 15, 7),
    SAFEGUARDING: TeamKind("SCP", "Safeguarding and Care Planning Team {n}", "social_worker",
                           "allocated_social_worker", 18, 7),
    IN_CARE: TeamKind("CIC", "Children in Care Team {n}", "social_worker",
                      "allocated_social_worker", 17, 7),
    LEAVING_CARE: TeamKind("LCT", "Leaving Care Team {n}", "family_support_worker",
                           "personal_adviser", 22, 7),
}
CONTACTS_PER_OFFICER = 1100  # contacts a year one first contact officer decides
TENURE_MEDIAN = 3 * YEAR
TENURE_SIGMA = 0.6
VACANCY_CHANCE = 0.8  # a leaver's post stays vacant for a while (else filled at once)
VACANCY_DAYS = (7, 56)
TRANSFER_WAIT_CHANCE = 0.3  # a transferred case waits unallocated in its new team
TRANSFER_WAIT_DAYS = (1, 10)
CIN_TRANSFER_DAYS = (10, 35)  # after the assessment, an open case moves to safeguarding


@dataclass
class Service:
    """One LA's service: its workers (one row per worker: post, team, role, joined, left)
    and its allocations (person, team, worker or NONE, role, start, end: NEVER = open)."""

    workers: pd.DataFrame
    allocations: pd.DataFrame
    contact_worker: np.ndarray  # worker number of each contact (the officer on duty)

    def team_ids(self, worker: np.ndarray) -> np.ndarray:
        return self.workers.team_id.to_numpy(dtype=object)[worker]


def case_spans(history, rng: np.random.Generator) -> pd.DataFrame:
    """Every span of time a child's case is open at some level: person, level, start,
    end (exclusive; NEVER: open)."""
    referrals = history.referrals
    assessments = history.assessments
    n_referrals = len(referrals)
    referral_id = assessments.referral_id.to_numpy()
    is_core = assessments.type.to_numpy() == "core"
    first_done = np.full(n_referrals, NONE, dtype=np.int64)
    first = ~is_core
    first_done[referral_id[first]] = assessments.completed.to_numpy()[first]
    core_start = np.full(n_referrals, NEVER, dtype=np.int64)
    np.minimum.at(core_start, referral_id[is_core], assessments.start.to_numpy()[is_core])
    # after the assessment an open case moves to safeguarding: with its core assessment,
    # else a few weeks after the assessment is completed
    cin_move = np.where(first_done != NONE,
                        first_done + rng.integers(*CIN_TRANSFER_DAYS, n_referrals), NEVER)
    transfer = np.minimum(core_start, cin_move)
    person = referrals.person.to_numpy()
    start = referrals.referral_date.to_numpy().astype(np.int64)
    # a case is held at least on the day it is referred and on a day an assessment of it
    # starts, even where it closes that day (an NFA decided at once)
    closure = np.minimum(referrals.closure.to_numpy().astype(np.int64), NEVER)
    on_closure_day = assessments.start.to_numpy() == closure[referral_id]
    closure[referral_id[on_closure_day]] += 1
    closure = np.maximum(closure, start + 1)
    plans, periods = history.plans, history.periods
    period_person = np.asarray(history.period_person)
    care_end = np.where(periods.end.to_numpy() == NONE, NEVER, periods.end.to_numpy())
    leavers = periods.cohort.to_numpy() & (periods.end.to_numpy() != NONE)
    spans = pd.DataFrame({
        "person": np.concatenate([person, person, np.asarray(history.plan_person),
                                  period_person, period_person[leavers]]),
        "level": np.concatenate([
            np.full(n_referrals, ASSESSMENT), np.full(n_referrals, SAFEGUARDING),
            np.full(len(plans), SAFEGUARDING), np.full(len(periods), IN_CARE),
            np.full(int(leavers.sum()), LEAVING_CARE)]),
        "start": np.concatenate([
            start, transfer, plans.start.to_numpy(), periods.start.to_numpy(),
            periods.end.to_numpy()[leavers]]),
        "end": np.concatenate([
            np.minimum(transfer, closure), closure,
            np.where(plans.end.to_numpy() == NONE, NEVER, plans.end.to_numpy()),
            care_end, add_months(periods.dob.to_numpy()[leavers], 21 * 12)]),
    })
    spans = spans[spans.end.to_numpy() > spans.start.to_numpy()]
    return spans.astype(np.int64).reset_index(drop=True)


def team_runs(spans: pd.DataFrame) -> pd.DataFrame:
    """Each child's time split into runs at one level (the highest open span decides):
    person, level, start, end (NEVER: open), `transfer` (the run follows another without a
    break). Days when no case is open are no run."""
    starts = pd.DataFrame({"person": spans.person, "day": spans.start, "level": spans.level,
                           "delta": 1})
    ends = spans[spans.end < NEVER]
    events = pd.concat([starts, pd.DataFrame({"person": ends.person, "day": ends.end,
                                              "level": ends.level, "delta": -1})])
    counts = events.pivot_table(index=["person", "day"], columns="level", values="delta",
                                aggfunc="sum", fill_value=0)
    counts = counts.reindex(columns=list(range(1, 5)), fill_value=0)
    counts = counts.groupby(level="person").cumsum()
    open_levels = counts.to_numpy() > 0
    level = np.where(open_levels.any(axis=1),
                     4 - np.argmax(open_levels[:, ::-1], axis=1), 0)
    person = counts.index.get_level_values("person").to_numpy()
    day = counts.index.get_level_values("day").to_numpy()
    # a case does not step back down while it stays open: after a plan ends the child in
    # need stays with safeguarding and care planning
    episode = np.ones(len(level), dtype=bool)
    episode[1:] = (person[1:] != person[:-1]) | (level[:-1] == 0)
    level = np.where(level == 0, 0,
                     pd.Series(level).groupby(np.cumsum(episode)).cummax().to_numpy())
    # a new run where the person or the level changes
    new = np.ones(len(level), dtype=bool)
    new[1:] = (person[1:] != person[:-1]) | (level[1:] != level[:-1])
    run_of = np.cumsum(new) - 1
    first = np.flatnonzero(new)
    run_start = day[first]
    run_person = person[first]
    run_level = level[first]
    next_same = np.ones(len(first), dtype=bool)
    next_same[:-1] = run_person[1:] == run_person[:-1]
    next_same[-1] = False
    run_end = np.where(next_same, np.roll(run_start, -1), NEVER)
    del run_of
    runs = pd.DataFrame({"person": run_person, "level": run_level, "start": run_start,
                         "end": run_end})
    previous_open = np.zeros(len(runs), dtype=bool)
    previous_open[1:] = (run_person[1:] == run_person[:-1]) & (run_level[:-1] > 0)
    runs["transfer"] = previous_open
    return runs[runs.level > 0].reset_index(drop=True)


def _open_on_average(runs: pd.DataFrame, first: int, last: int) -> float:
    """Runs open on an average day between `first` and `last`."""
    overlap = (np.minimum(runs.end.to_numpy(), last + 1)
               - np.maximum(runs.start.to_numpy(), first)).clip(0)
    return float(overlap.sum()) / max(1, last + 1 - first)


def _posts(la: str, runs: pd.DataFrame, contacts_a_year: float, first: int, last: int
           ) -> pd.DataFrame:
    """Teams and their posts: post, kind, team_id, team_name, role, holds_cases."""
    rows = []
    for kind, spec in KINDS.items():
        if kind == FRONT_DOOR:
            case_posts = max(2, int(round(contacts_a_year / CONTACTS_PER_OFFICER)))
        else:
            average = _open_on_average(runs[runs.level == kind], first, last)
            case_posts = max(2, int(np.ceil(average / spec.caseload)))
        n_teams = max(1, int(round(case_posts / spec.per_team)))
        for team in range(n_teams):
            team_id = spec.prefix if kind == FRONT_DOOR else f"{spec.prefix}{team + 1}"
            name = spec.name.format(n=team + 1)
            in_team = case_posts // n_teams + (team < case_posts % n_teams)
            rows.append((kind, team_id, name, "team_manager", False))
            for number in range(in_team):
                role = ("senior_practitioner" if number == 0 and spec.worker_role
                        == "social_worker" else spec.worker_role)
                rows.append((kind, team_id, name, role, True))
    posts = pd.DataFrame(rows, columns=["kind", "team_id", "team_name", "role",
                                        "holds_cases"])
    posts["post"] = np.arange(len(posts))
    posts["la_code"] = la
    return posts


def _tenures(posts: pd.DataFrame, first: int, last: int,
             rng: np.random.Generator) -> pd.DataFrame:
    """Who holds each post when: one row per worker (post, joined, left: NEVER = still
    there after `last`), with the vacancy after them (vacant_until)."""
    n_posts = len(posts)
    post = np.arange(n_posts)
    # the first holders were there before `first` and leave at some point after it
    joined = first - rng.integers(30, 8 * YEAR, n_posts)
    left = first + (rng.lognormal(np.log(TENURE_MEDIAN), TENURE_SIGMA, n_posts)
                    * rng.random(n_posts)).astype(np.int64) + 1
    front_door = posts.kind.to_numpy() == FRONT_DOOR
    by_generation = []
    while len(post):
        staying = left > last
        left = np.where(staying, NEVER, left)
        # vacancies: the front door's rota is always covered
        vacant = (rng.random(len(post)) < VACANCY_CHANCE) & ~front_door[post] & ~staying
        gap = np.where(vacant, rng.integers(*VACANCY_DAYS, len(post)), 0)
        by_generation.append(pd.DataFrame({"post": post, "joined": joined, "left": left,
                                           "vacant_until": left + gap}))
        post, joined = post[~staying], (left + gap)[~staying]
        left = joined + np.maximum(
            120, rng.lognormal(np.log(TENURE_MEDIAN), TENURE_SIGMA, len(post))).astype(np.int64)
    workers = pd.concat(by_generation, ignore_index=True).sort_values(
        ["post", "joined"], kind="stable").reset_index(drop=True)
    workers["worker"] = np.arange(len(workers))
    return workers


def _timeline(workers: pd.DataFrame) -> pd.DataFrame:
    """Each post's days as intervals [start, end): held by a worker, or vacant (worker
    NONE), sorted by post and start; the first worker of a post from the beginning of
    time, the last to NEVER."""
    post = workers.post.to_numpy()
    first_of_post = np.ones(len(workers), dtype=bool)
    first_of_post[1:] = post[1:] != post[:-1]
    held = pd.DataFrame({"post": post,
                         "start": np.where(first_of_post, EARLIEST, workers.joined),
                         "end": workers.left.to_numpy(), "worker": workers.worker.to_numpy()})
    gaps = workers[workers.vacant_until > workers.left]
    vacant = pd.DataFrame({"post": gaps.post, "start": gaps.left, "end": gaps.vacant_until,
                           "worker": NONE})
    return pd.concat([held, vacant]).sort_values(["post", "start"], kind="stable",
                                                 ignore_index=True)


def _split_by_post(runs: pd.DataFrame, timeline: pd.DataFrame) -> pd.DataFrame:
    """Each run on its post cut where the post's holder changes: run, start, end, worker."""
    keys = timeline.post.to_numpy() * KEY + timeline.start.to_numpy()
    post = runs.post.to_numpy()
    start, end = runs.start.to_numpy(), runs.end.to_numpy()
    first = np.searchsorted(keys, post * KEY + start, side="right") - 1
    last = np.searchsorted(keys, post * KEY + np.minimum(end, NEVER) - 1, side="right") - 1
    pieces = last - first + 1
    run = np.repeat(np.arange(len(runs)), pieces)
    offset = np.arange(len(run)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
    interval = first[run] + offset
    return pd.DataFrame({
        "run": run,
        "start": np.maximum(start[run], timeline.start.to_numpy()[interval]),
        "end": np.minimum(end[run], timeline.end.to_numpy()[interval]),
        "worker": timeline.worker.to_numpy()[interval]})


def _transfer_waits(runs: pd.DataFrame, pieces: pd.DataFrame, waits_from: np.ndarray,
                    rng: np.random.Generator) -> pd.DataFrame:
    """Some transferred cases wait a few days in their new team before a worker takes
    them: the run's first piece is split, its first days unallocated. No wait covers a
    day in `waits_from` (person x KEY + day: an assessment starting, which needs its
    worker)."""
    first_piece = np.ones(len(pieces), dtype=bool)
    first_piece[1:] = pieces.run.to_numpy()[1:] != pieces.run.to_numpy()[:-1]
    run = pieces.run.to_numpy()
    start, end = pieces.start.to_numpy(), pieces.end.to_numpy()
    wait = rng.integers(*TRANSFER_WAIT_DAYS, len(pieces))
    person = runs.person.to_numpy()[run]
    blocked = (np.searchsorted(waits_from, person * KEY + start + wait, side="left")
               > np.searchsorted(waits_from, person * KEY + start, side="left"))
    waits = (first_piece & runs.transfer.to_numpy()[run]
             & (runs.level.to_numpy()[run] != ASSESSMENT)
             & (rng.random(len(pieces)) < TRANSFER_WAIT_CHANCE)
             & (pieces.worker.to_numpy() != NONE) & (start + wait < end) & ~blocked)
    waiting = pieces[waits].assign(end=start[waits] + wait[waits], worker=NONE)
    pieces.loc[waits, "start"] = start[waits] + wait[waits]
    return pd.concat([pieces, waiting]).sort_values(["run", "start"], kind="stable",
                                                    ignore_index=True)


def build_service(la: str, history, contacts_a_year: float, first: int, horizon_end: int,
                  rng: np.random.Generator) -> Service:
    """The LA's teams, workers and allocations (see the module's doc). `first`: the first
    quarter's start (caseloads are sized on the days from it to the horizon)."""
    runs = team_runs(case_spans(history, rng))
    posts = _posts(la, runs, contacts_a_year, first, horizon_end)
    earliest = int(min(first, runs.start.min() if len(runs) else first))
    workers = _tenures(posts, earliest, horizon_end, rng)
    timeline = _timeline(workers)
    # each run is held on one case-holding post of a team of its kind
    post_of_run = np.full(len(runs), NONE, dtype=np.int64)
    for kind in KINDS:
        if kind == FRONT_DOOR:
            continue
        candidates = posts.post.to_numpy()[(posts.kind.to_numpy() == kind)
                                           & posts.holds_cases.to_numpy()]
        of_kind = np.flatnonzero(runs.level.to_numpy() == kind)
        post_of_run[of_kind] = candidates[rng.integers(0, len(candidates), len(of_kind))]
    runs["post"] = post_of_run
    pieces = _split_by_post(runs, timeline)
    assessments = history.assessments
    assessment_person = history.referrals.person.to_numpy()[assessments.referral_id.to_numpy()]
    starts_needing_worker = np.sort(assessment_person * KEY + assessments.start.to_numpy())
    pieces = _transfer_waits(runs, pieces, starts_needing_worker, rng)
    run = pieces.run.to_numpy()
    post = runs.post.to_numpy()[run]
    level = runs.level.to_numpy()[run]
    roles = np.array([KINDS[kind].allocation_role for kind in range(5)], dtype=object)
    allocations = pd.DataFrame({
        "person": runs.person.to_numpy()[run],
        "team_id": posts.team_id.to_numpy(dtype=object)[post],
        "worker": pieces.worker.to_numpy(), "role": roles[level],
        "start": pieces.start.to_numpy(), "end": pieces.end.to_numpy()})
    allocations = allocations[(allocations.end > allocations.start)
                              & (allocations.start <= horizon_end)].reset_index(drop=True)
    # the officer on duty: a random first contact post, its holder on the day
    contacts = history.contacts
    front_door = posts.post.to_numpy()[(posts.kind.to_numpy() == FRONT_DOOR)
                                       & posts.holds_cases.to_numpy()]
    contact_post = front_door[rng.integers(0, len(front_door), len(contacts))]
    keys = timeline.post.to_numpy() * KEY + timeline.start.to_numpy()
    on_duty = np.searchsorted(keys, contact_post * KEY + contacts.contact_date.to_numpy(),
                              side="right") - 1
    contact_worker = timeline.worker.to_numpy()[on_duty]
    workers = workers.merge(posts, on="post", how="left", sort=False)
    workers["worker_id"] = _worker_ids(workers)
    return Service(workers=workers, allocations=allocations, contact_worker=contact_worker)


def _worker_ids(workers: pd.DataFrame) -> np.ndarray:
    """W + team + the worker's number in the team (3 digits, in order of joining)."""
    order = workers.sort_values(["team_id", "joined", "post"], kind="stable")
    number = order.groupby("team_id").cumcount().to_numpy() + 1
    ids = pd.Series("W" + order.team_id.to_numpy(dtype=object)
                    + pd.Series(number).map("{:03d}".format).to_numpy(dtype=object),
                    index=order.index)
    return ids.reindex(workers.index).to_numpy(dtype=object)


def allocation_on(allocations: pd.DataFrame, person: np.ndarray, on_day: np.ndarray
                  ) -> np.ndarray:
    """The row of `allocations` (sorted by person and start) in force for each person on
    each day, else the child's latest allocation before it (an assessment the history
    starts after its referral closed: the case's last holder), NONE where there is none."""
    keys = allocations.person.to_numpy() * KEY + allocations.start.to_numpy()
    row = np.searchsorted(keys, person * KEY + on_day, side="right") - 1
    safe = np.maximum(row, 0)
    found = (row >= 0) & (allocations.person.to_numpy()[safe] == person)
    return np.where(found, row, NONE)
