"""The service the generator models (csc/generate/service.py): teams, workers who join and
leave, and raise/allocations.csv, read back from the drops (tests/generate/allocation_check.py
and DuckDB SQL over the files) and, where the drops cannot show it (a worker's leaving
day), from the generator's own frames."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest

from csc.generate import DEMO_PERIODS, DEMO_SEED, generate
from csc.generate.calendar import WorkingDays, day
from csc.generate.history import build_history
from csc.generate.service import NEVER, NONE, SERVICE_STREAM
from csc.generate.tables import _service
from csc.generate.targets import DEMO_YEAR, demo_plan
from tests.generate.allocation_check import allocation_problems, connect
from tests.generate.contract_check import check_drop

DROPS = [period.extract_date.isoformat() for period in DEMO_PERIODS]


def _in_force(on: str) -> str:
    return (f"(select * from allocations where start_date::date <= '{on}'::date "
            f"and (end_date is null or end_date::date > '{on}'::date))")


@pytest.mark.parametrize("drop", DROPS)
def test_every_demo_drop_holds_allocations_that_agree_with_its_records(demo_landing, drop):
    assert (demo_landing / drop / "raise" / "allocations.csv").exists()
    assert allocation_problems(demo_landing / drop) == []


def test_the_allocation_check_sees_each_kind_of_fault(demo_landing, tmp_path):
    """Each rule of allocation_check fails on a drop broken for it."""
    source = demo_landing / DROPS[-1]
    as_at = DROPS[-1]

    def broken(change) -> list[str]:
        drop = tmp_path / as_at
        shutil.rmtree(drop, ignore_errors=True)
        shutil.copytree(source, drop)
        frames = {}
        for name in ("allocations", "referrals", "contacts", "assessments"):
            frames[name] = pd.read_csv(drop / "raise" / f"{name}.csv", dtype=str,
                                       keep_default_na=False)
        change(frames)
        for name, frame in frames.items():
            frame.to_csv(drop / "raise" / f"{name}.csv", index=False)
        return allocation_problems(drop)

    allocations = pd.read_csv(source / "raise" / "allocations.csv", dtype=str,
                              keep_default_na=False)
    is_open = allocations.end_date == ""
    kind = allocations.team_id.str.extract(r"^([A-Z]+)", expand=False)
    open_cic = allocations.index[is_open & (kind == "CIC")][0]
    open_scp = allocations.index[is_open & (kind == "SCP")
                                 & (allocations.worker_id != "")][0]
    closed = allocations.index[~is_open][0]

    def later_start(f):
        f["allocations"].loc[closed, ["start_date", "end_date"]] = ["2099-01-01", ""]

    def open_twice(f):
        row = f["allocations"].loc[[open_cic]].assign(allocation_id="L99999999",
                                                      start_date="2014-04-01")
        f["allocations"] = pd.concat([f["allocations"], row])

    def child_in_care_unallocated(f):
        f["allocations"].loc[open_cic, "team_id"] = "AST1"

    def worker_of_another_team(f):
        f["allocations"].loc[open_scp, "worker_id"] = "WFCT001"

    def referral_of_another_worker(f):
        f["referrals"].loc[0, "worker_id"] = "WFCT001"

    def contact_by_a_social_worker(f):
        f["contacts"].loc[0, ["team_id", "worker_id"]] = ["AST1", "WAST1001"]

    def assessment_of_another_team(f):
        f["assessments"].loc[0, "team_id"] = "CIC1"

    def left_open(f):
        f["allocations"].loc[closed, "end_date"] = ""

    expected = {
        later_start: "starting after the extract date",
        open_twice: "overlapping the child's previous one",
        child_in_care_unallocated: "children in care with no children in care allocation",
        worker_of_another_team: "by a worker of another team",
        referral_of_another_worker: "referrals whose team or worker",
        contact_by_a_social_worker: "contacts not with a first contact officer",
        assessment_of_another_team: "assessments whose team or worker",
        left_open: "no open case",
    }
    for change, problem in expected.items():
        found = broken(change)
        assert any(problem in p for p in found), (change.__name__, found)


def test_allocations_are_kept_history_from_drop_to_drop(demo_landing):
    """A drop holds every allocation started by its date; the next drop holds the same rows
    (the end filled in once it is known) and new ones started after it."""
    key = ["allocation_id", "person_id", "team_id", "worker_id", "allocation_role",
           "start_date"]
    for before, after in zip(DROPS, DROPS[1:], strict=False):
        old = pd.read_csv(demo_landing / before / "raise" / "allocations.csv", dtype=str,
                          keep_default_na=False)
        new = pd.read_csv(demo_landing / after / "raise" / "allocations.csv", dtype=str,
                          keep_default_na=False)
        both = old.merge(new, on=key, how="left", suffixes=("_old", "_new"), indicator=True)
        assert (both._merge == "both").all(), before
        ended = both.end_date_old != ""
        assert (both.end_date_old[ended] == both.end_date_new[ended]).all()
        still_open = both.end_date_new[~ended]
        assert ((still_open > before) | (still_open == "")).all()
        added = new[~new.allocation_id.isin(old.allocation_id)]
        assert len(added) and (added.start_date > before).all()


def test_cases_move_between_teams_as_the_child_does(demo_landing):
    """Referral -> assessment team -> safeguarding and care planning; in care -> leaving
    care with a personal adviser; a transferred case may wait a few days for a worker."""
    with connect(demo_landing / DROPS[-1]) as con:
        moves = dict(con.execute("""
            with ordered as (
                select regexp_extract(team_id, '^[A-Z]+') as kind, worker_id,
                       lag(regexp_extract(team_id, '^[A-Z]+')) over w as previous_kind,
                       lag(end_date) over w = start_date as contiguous
                from allocations
                window w as (partition by person_id order by start_date::date, allocation_id))
            select previous_kind || '>' || kind, count(*) from ordered
            where contiguous and previous_kind <> kind group by 1""").fetchall())
        first_kind = dict(con.execute("""
            select regexp_extract(a.team_id, '^[A-Z]+'), count(*) from allocations a
            join referrals r on r.person_id = a.person_id and r.referral_date = a.start_date
            group by 1""").fetchall())
    assert moves.get("AST>SCP", 0) > 1000
    assert moves.get("CIC>LCT", 0) > 50
    assert set(moves) <= {"AST>SCP", "CIC>LCT"}  # a case never steps back while open
    assert first_kind["AST"] > 10 * first_kind.get("SCP", 0)


def test_a_small_share_of_case_time_is_unallocated(demo_landing):
    """Held by a team with no worker (a post vacant after its worker left, the first days
    after some transfers): a few per cent of the children's time, at no date most."""
    with connect(demo_landing / DROPS[-1]) as con:
        share = con.execute("""
            with days as (
                select worker_id is null as waiting,
                       datediff('day', greatest(start_date::date, date '2008-04-01'),
                                least(coalesce(end_date::date, date '2014-04-14'),
                                      date '2014-04-14')) as n
                from allocations)
            select sum(n) filter (where waiting) / sum(n) from days where n > 0""").fetchone()[0]
        at_drops = [con.execute(f"select count(*) filter (where worker_id is null) / count(*) "
                                f"from {_in_force(drop)}").fetchone()[0] for drop in DROPS]
        after_transfer, after_leaving = con.execute("""
            with ordered as (
                select worker_id, team_id, lag(team_id) over w as previous_team,
                       lag(worker_id) over w as previous_worker,
                       lag(end_date) over w = start_date as contiguous
                from allocations
                window w as (partition by person_id order by start_date::date, allocation_id))
            select count(*) filter (where previous_team <> team_id),
                   count(*) filter (where previous_team = team_id
                                    and previous_worker is not null)
            from ordered where contiguous and worker_id is null""").fetchone()
    assert 0.01 <= share <= 0.06, share
    assert all(s < 0.15 for s in at_drops), at_drops
    assert after_transfer > 100 and after_leaving > 100


def test_caseloads_are_realistic(demo_landing):
    """Children per worker on each extract date: social workers about 15-22, personal
    advisers about 20-25 (medians), nobody with an impossible number."""
    for drop in DROPS:
        with connect(demo_landing / drop) as con:
            loads = con.execute(f"""
                select worker_id, a.allocation_role, w.role, count(*) as children
                from {_in_force(drop)} a join workers w using (worker_id)
                group by all""").df()
        social_workers = loads[loads.allocation_role == "allocated_social_worker"].children
        advisers = loads[loads.allocation_role == "personal_adviser"].children
        assert 14 <= social_workers.median() <= 23, (drop, social_workers.describe())
        assert 17 <= advisers.median() <= 27, (drop, advisers.describe())
        assert loads.children.max() <= 40, drop
        assert set(loads.role) <= {"social_worker", "senior_practitioner",
                                   "family_support_worker"}  # no team manager holds cases


def test_workers_join_over_the_drops(demo_landing):
    """New workers appear in later drops, and a worker new in a drop has nothing dated on
    or before the previous drop's extract date."""
    for before, after in zip(DROPS, DROPS[1:], strict=False):
        old = set(pd.read_csv(demo_landing / before / "raise" / "workers.csv",
                              dtype=str).worker_id)
        with connect(demo_landing / after) as con:
            new = con.execute("select worker_id from workers").df().worker_id
            joined = sorted(set(new) - old)
            assert joined and old <= set(new), after
            con.execute("create temp table joined as select unnest(?) as worker_id", [joined])
            earlier = con.execute(f"""
                select count(*) from (
                    select worker_id, start_date as d from allocations
                    union all select worker_id, contact_date from contacts
                    union all select worker_id, referral_date from referrals
                    union all select worker_id, start_date from assessments)
                where worker_id in (select worker_id from joined)
                and d::date <= '{before}'::date""").fetchone()[0]
        assert earlier == 0, after


@pytest.fixture(scope="module")
def demo_service():
    """The demo's service as the generator builds it (csc.generate.generate_demo's draws)."""
    plan = demo_plan(np.random.default_rng(DEMO_SEED))
    horizon = day(DEMO_PERIODS[-1].extract_date)
    history = build_history(plan, WorkingDays(2003, DEMO_YEAR + 3),
                            np.random.default_rng(DEMO_SEED + 1), horizon)
    return _service(plan.la_code, history, horizon,
                    np.random.default_rng([DEMO_SEED + 1, SERVICE_STREAM])), horizon


def test_a_workers_allocations_lie_within_their_tenure(demo_service):
    service, horizon = demo_service
    workers, allocations = service.workers, service.allocations
    held = allocations[allocations.worker != NONE]
    joined = workers.joined.to_numpy()[held.worker.to_numpy()]
    left = workers.left.to_numpy()[held.worker.to_numpy()]
    assert (held.start.to_numpy() >= joined).all()
    assert (np.minimum(held.end.to_numpy(), NEVER) <= left).all()
    # workers do leave and join within the demo's years, in every kind of team
    window = (workers.left > day(date(2012, 4, 1))) & (workers.left <= horizon)
    assert window.sum() > 20 and workers[window].team_id.str[:3].nunique() >= 4
    assert ((workers.joined > day(date(2012, 4, 1))) & (workers.joined <= horizon)).sum() > 20


def test_a_scale_run_holds_consistent_allocations_in_every_drop(tmp_path):
    """Two uncalibrated LAs over another window and cadence (their ids overlap: a key is
    the LA and the id): the same rules, and the drops read back against the contract
    (allocations included)."""
    landing = tmp_path / "landing"
    result = generate(landing, ["201", "202"], date(2016, 4, 1), date(2018, 3, 31),
                      "quarterly", seed=11, sizes=[3000.0, 1500.0], workers=1)
    for drop in result.drops:
        assert allocation_problems(drop) == [], drop.name
    assert check_drop(result.drops[-1]) == []
    with duckdb.connect() as con:
        teams = con.execute(f"""select distinct regexp_extract(team_id, '^[A-Z]+') from
            read_csv('{result.drops[-1] / 'raise' / 'allocations.csv'}', all_varchar=true)
            """).fetchall()
    assert {t for (t,) in teams} == {"AST", "SCP", "CIC", "LCT"}
