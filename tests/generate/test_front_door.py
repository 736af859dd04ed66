"""The front door through the year: bad spells when contacts wait for a decision, quarters
that differ where the report publishes only the year, and (uncalibrated LAs) contacts that
follow the school year. Read from the drops with DuckDB SQL (tests/generate/reference.py's
typed views and working-day calendar); the calibrated cells themselves are
tests/generate/test_calibration.py's."""

from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd
import pytest

from csc.generate import DEMO_PERIODS, generate
from tests.generate.reference import connect

# Contacts made on or before the period end, undecided on it, more than 5 working days
# after the contact date (seeds/process_model_measures.csv: first_contact_over_5wd).
WAITING = """
    select count(*) filter (where (select cnt from cal where d = $end)
                                  - (select cnt from cal where d = contact_date) > 5),
           count(*) filter (where outcome is null)
    from contacts
    where contact_date <= $end and (decision_date is null or decision_date > $end)"""


def _waiting(drop, end: date) -> tuple[int, int]:
    con = connect(drop)
    return con.execute(WAITING, {"end": end}).fetchone()


def test_some_reported_period_ends_find_contacts_waiting_over_5_working_days(demo_landing):
    """Each 2013-14 quarter as first reported, and the year 2012-13: a backlog at some
    period ends, every waiting contact decided by the drop that reports the period (so the
    outcome counts are the calibrated ones)."""
    backlog = {}
    for period in DEMO_PERIODS:
        over_5, undecided_on_drop = _waiting(demo_landing / period.extract_date.isoformat(),
                                             period.end)
        backlog[period.label] = over_5
        assert undecided_on_drop == 0, period.label
    assert sum(n >= 5 for n in backlog.values()) >= 2, backlog
    assert min(backlog.values()) < max(backlog.values()), backlog  # bad weeks, not every week


def test_the_demo_years_quarters_differ_where_only_the_year_is_published(demo_landing):
    """contacts_to_assessment by quarter of 2012-13 on the drop that reports the year (the
    report prints the year only: 2,336): no longer the year split evenly."""
    con = connect(demo_landing / DEMO_PERIODS[0].extract_date.isoformat())
    by_quarter = con.execute("""
        select quarter(referral_date), count(*) from referrals
        where referral_date between date '2012-04-01' and date '2013-03-31'
        and referral_id in (select referral_id from assessments
                            where assessment_type in ('initial', 'single'))
        group by 1 order by 1""").fetchall()
    counts = [n for _, n in by_quarter]
    assert sum(counts) == 2336
    assert len(set(counts)) > 1, counts


@pytest.fixture(scope="module")
def scale_landing(tmp_path_factory):
    landing = tmp_path_factory.mktemp("front-door") / "landing"
    result = generate(landing, ["201"], date(2011, 4, 1), date(2014, 3, 31), "final",
                      seed=3, sizes=[6000.0], workers=1)
    return result.drops[-1]


def test_an_uncalibrated_la_follows_the_school_year(scale_landing):
    with duckdb.connect() as con:
        contacts = con.execute(f"""
            select month(contact_date::date) as month, contact_source like 'Education%' as edu,
                   count(*) as n
            from read_csv('{scale_landing / 'raise' / 'contacts.csv'}', all_varchar=true)
            group by all""").df()
    by = contacts.pivot_table(index="month", columns="edu", values="n", aggfunc="sum")
    assert by.loc[8, True] < 0.4 * by.loc[9, True]  # schools closed in August
    assert by.loc[9, False] > by.loc[8, False]  # and others too, a little
    quarters = pd.Series([by.loc[[4, 5, 6]].sum().sum(), by.loc[[7, 8, 9]].sum().sum(),
                          by.loc[[10, 11, 12]].sum().sum(), by.loc[[1, 2, 3]].sum().sum()])
    assert quarters.nunique() == 4


def test_an_uncalibrated_la_has_bad_spells_at_the_front_door(scale_landing):
    """Christmas and the year end always; the referrals of waiting contacts move with their
    decision (the referral date is the decision date)."""
    ends = [date(year, month, day) for year in (2011, 2012, 2013)
            for month, day in ((12, 31), (3, 31)) if date(year, month, day) > date(2011, 4, 1)]
    waiting = [_waiting(scale_landing, end)[0] for end in ends]
    assert all(n > 0 for n in waiting), dict(zip(ends, waiting, strict=True))
    con = connect(scale_landing)
    late_referrals = con.execute("""
        select count(*) from referrals r join contacts c using (la_code, contact_id)
        where r.referral_date = c.decision_date
        and (select cnt from cal where d = c.decision_date)
            - (select cnt from cal where d = c.contact_date) > 5""").fetchone()[0]
    assert late_referrals > 20
