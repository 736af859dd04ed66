"""An uncalibrated LA's codes come out in the combinations the DfE's rules require
(csc.generate.realism): care episodes' legal status, placement, provider and reasons, and
referral closures, read from the last drop of a small generated LA; and a correction no
generated LA has needed yet, on a history built by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from csc.contract import load_contract
from csc.generate import generate
from csc.generate.context import NONE
from csc.generate.history import LaHistory
from csc.generate.realism import _one_enquiry_at_a_time

CONTRACT = load_contract()


@pytest.fixture(scope="module")
def drop(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    """One uncalibrated LA (805), two years, the final drop, one view per RAISE file."""
    landing = tmp_path_factory.mktemp("realism") / "landing"
    generate(landing, ["805"], date(2022, 4, 1), date(2024, 3, 31), "final", seed=5,
             sizes=[2500.0], workers=1)
    folder = sorted(p for p in Path(landing).iterdir() if p.is_dir())[-1]
    con = duckdb.connect()
    for table in CONTRACT.tables.values():
        path = folder / table.relative_path
        if table.system == "raise" and path.exists():
            con.execute(f"create view {table.name} as select * from read_csv('{path}', "
                        "all_varchar = true)")
    con.execute("""create view eps as
        select e.*, p.date_of_birth::date as dob, p.sex,
               lag(legal_status) over w as ls_before, lag(placement_type) over w as place_before,
               lag(placement_provider) over w as provider_before,
               lag(placement_postcode) over w as postcode_before,
               lag(end_date) over w as end_before
        from cla_episodes e join persons p using (la_code, person_id)
        window w as (partition by e.person_id order by e.start_date::date)""")
    return con


def _count(con: duckdb.DuckDBPyConnection, where: str) -> int:
    return con.execute(f"select count(*) from eps where {where}").fetchone()[0]


def test_legal_status_changes_only_where_the_reason_for_the_episode_says(drop) -> None:
    assert _count(drop, "true") > 300
    assert _count(drop, "ls_before is not null and end_before = start_date") > 100
    follows = "ls_before is not null and end_before = start_date and "
    # L: legal status only (434); P, T: placement only (435); B, U: both (436)
    assert _count(drop, follows + """reason_new_episode = 'L' and (legal_status = ls_before
        or placement_type <> place_before or placement_provider <> provider_before
        or placement_postcode <> postcode_before)""") == 0
    assert _count(drop, follows + "reason_new_episode in ('P', 'T') "
                                  "and legal_status <> ls_before") == 0
    assert _count(drop, follows + "reason_new_episode in ('B', 'U') "
                                  "and legal_status = ls_before") == 0
    assert _count(drop, follows + "reason_new_episode <> 'L' and placement_type = 'P1' "
                                  "and place_before = 'P1'") == 0  # a move that moves


def test_placements_legal_statuses_and_providers_fit_the_child(drop) -> None:
    assert _count(drop, "placement_type like 'T%'") == 0  # no temporary placements
    assert _count(drop, "placement_type = 'S1' and start_date::date < dob + interval 4 year"
                  ) == 0
    assert _count(drop, "placement_type = 'H5' and start_date::date < dob + interval 16 year"
                  ) == 0
    assert _count(drop, "legal_status in ('L1', 'J2')") == 0
    assert _count(drop, "legal_status like 'J%' and start_date::date < dob + interval 10 year"
                  ) == 0
    assert _count(drop, "placement_type = 'P1' and legal_status = 'V2'") == 0
    assert _count(drop, "placement_type = 'P1' and placement_provider <> 'PR0'") == 0
    assert _count(drop, "placement_type = 'Z1' and placement_provider is not null") == 0
    assert _count(drop, """placement_provider = 'PR3' and (placement_type like 'U%'
                           or placement_type like 'A%' or placement_type in ('K1', 'K2'))""") == 0
    assert _count(drop, "placement_type like 'A%' and legal_status <> 'E1'") == 0
    assert _count(drop, "sex not in ('M', 'F')") == 0
    # a review before the 4th birthday (by the calendar) is PN0 (903 rule 441)
    assert drop.execute("""
        select count(*) from cla_reviews r join persons p using (la_code, person_id)
        where r.participation_code <> 'PN0'
          and r.review_date::date < p.date_of_birth::date + interval 4 year""").fetchone()[0] == 0


def test_reasons_ceased_are_codes_of_the_time(drop) -> None:
    assert _count(drop, "reason_ceased in ('E43', 'E44')") == 0
    assert _count(drop, "reason_ceased in ('E45', 'E46') and placement_type not like 'U%'") == 0
    assert _count(drop, "reason_ceased in ('E11', 'E12') and placement_type not like 'A%'") == 0
    assert _count(drop, "reason_ceased = 'E5' and end_date::date < dob + interval 14 year") == 0


def test_a_referral_that_went_on_is_not_closed_as_if_it_had_not(drop) -> None:
    assert drop.execute("select count(*) from s47_enquiries").fetchone()[0] > 20
    assert drop.execute(
        """select count(*) from referrals r join s47_enquiries s using (la_code, referral_id)
           where r.closure_reason in ('RC8', 'RC9')""").fetchone()[0] == 0


def test_one_assessment_and_one_enquiry_at_a_time_and_no_closure_before_them(drop) -> None:
    """A referral received while the child's case is open joins its CIN episode: no
    assessment starts before another of the child's is authorised (CIN 8896, 8863Q), no
    enquiry while another is under way (8890), no referral closes before its assessments
    are completed (8565)."""
    assert drop.execute("select count(*) from assessments").fetchone()[0] > 300
    overlapping_assessments = drop.execute("""
        select count(*) from assessments a join assessments o
          on a.la_code = o.la_code and a.person_id = o.person_id
         and a.assessment_id <> o.assessment_id
        where o.start_date::date <= a.start_date::date
          and (o.start_date::date < a.start_date::date or o.assessment_id < a.assessment_id)
          and (nullif(o.authorisation_date, '') is null
               or a.start_date::date < o.authorisation_date::date)""").fetchone()[0]
    assert overlapping_assessments == 0
    overlapping_enquiries = drop.execute("""
        select count(*) from s47_enquiries s join s47_enquiries o
          on s.la_code = o.la_code and s.person_id = o.person_id and s.s47_id <> o.s47_id
        left join cp_conferences c on c.s47_id = o.s47_id and c.conference_type = 'initial'
        where o.start_date::date <= s.start_date::date
          and (o.start_date::date < s.start_date::date or o.s47_id < s.s47_id)
          and s.start_date::date <= coalesce(c.conference_date::date,
                                             nullif(o.end_date, '')::date, date '9999-12-31')
        """).fetchone()[0]
    assert overlapping_enquiries == 0
    closed_early = drop.execute("""
        select count(*) from referrals r join assessments a using (la_code, referral_id)
        where nullif(r.closure_date, '') is not null and nullif(a.completed_date, '') is not null
          and r.closure_date::date < a.completed_date::date""").fetchone()[0]
    assert closed_early == 0


@pytest.mark.parametrize("conferred_by", ["conference", "plan", "icpc"])
def test_an_enquiry_that_led_to_a_conference_is_kept_though_another_is_under_way(
        conferred_by) -> None:
    """One child's three section 47 enquiries: the first from day 100 to 120, the second
    (105-115) and the third (110-130) start while it is under way. The second had no
    conference and is not started; the third led to one (an initial conference or a CP plan
    of its own, or its conference day) and is kept, numbered again after the first, its
    conference and plan following it."""
    def linked(s47_ids: list[int]) -> pd.DataFrame:
        return pd.DataFrame({"s47_id": np.array(s47_ids, dtype=np.int64)})

    history = LaHistory(
        contacts=None, referrals=pd.DataFrame({"person": [0, 0, 0]}), assessments=None,
        enquiries=pd.DataFrame({
            "referral_id": [0, 1, 2], "start": [100, 105, 110], "s47_id": [0, 1, 2],
            "icpc": [NONE, NONE, 125 if conferred_by == "icpc" else NONE],
            "end": [120, 115, 130]}),
        conferences=linked([2] if conferred_by == "conference" else []),
        plans=linked([2, NONE] if conferred_by == "plan" else [NONE]),
        plan_person=np.array([0]), reviews=None, periods=None, period_person=None,
        episodes=None, care_leaver_contacts=None, cafs=None, n_people=1)
    _one_enquiry_at_a_time(history)
    assert history.enquiries.start.tolist() == [100, 110]
    assert history.enquiries.s47_id.tolist() == [0, 1]
    assert history.conferences.s47_id.tolist() == ([1] if conferred_by == "conference" else [])
    assert history.plans.s47_id.tolist() == ([1, NONE] if conferred_by == "plan" else [NONE])
