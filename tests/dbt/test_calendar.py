"""Working days: the committed bank-holiday seed agrees with the `holidays` package, and
int_calendar / working_days_taken / pseudonymous_id give the right answers when dbt
really builds them (seed + calendar only, into a fresh DuckDB file)."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import duckdb
import pytest

from csc.bank_holidays import SEED_PATH, england_and_wales_bank_holidays, seed_text
from csc.build import dbt_invoke


def test_committed_seed_equals_what_the_holidays_package_gives():
    assert SEED_PATH.read_text(encoding="utf-8") == seed_text(england_and_wales_bank_holidays()), (
        "seeds/bank_holidays_england_wales.csv is stale: run `python -m csc.bank_holidays`")


def test_seed_has_the_one_off_bank_holidays_and_spans_2000_to_2035():
    days = {d for d, _ in england_and_wales_bank_holidays()}
    for one_off in (date(2011, 4, 29), date(2012, 6, 5), date(2020, 5, 8), date(2022, 9, 19),
                    date(2023, 5, 8)):
        assert one_off in days, one_off
    # May Day 2020 moved to VE Day: 4 May 2020 was a working day.
    assert date(2020, 5, 4) not in days
    assert min(days).year == 2000 and max(days).year == 2035


@pytest.fixture(scope="module")
def calendar_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("calendar") / "calendar.duckdb"
    result = dbt_invoke(["build", "--select", "+int_calendar"], db)
    assert result.success, result.exception
    return db


def _calendar(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_calendar_flags_weekends_and_bank_holidays(calendar_db):
    rows = dict(((d, (w, b, wd)) for d, w, b, wd in _calendar(calendar_db, """
        select date_day, is_weekend, is_bank_holiday, is_working_day
        from intermediate.int_calendar
        where date_day in ('2011-04-29', '2011-04-30', '2022-09-19', '2022-09-20',
                           '2010-12-25', '2010-12-27')""")))
    assert rows[date(2011, 4, 29)] == (False, True, False)   # royal wedding, a Friday
    assert rows[date(2011, 4, 30)] == (True, False, False)   # Saturday
    assert rows[date(2022, 9, 19)] == (False, True, False)   # state funeral
    assert rows[date(2022, 9, 20)] == (False, False, True)
    assert rows[date(2010, 12, 25)] == (True, True, False)   # Christmas on a Saturday
    assert rows[date(2010, 12, 27)] == (False, True, False)  # ... its substitute Monday


def test_calendar_covers_2000_to_2035_one_row_a_day(calendar_db):
    first, last, days, distinct = _calendar(calendar_db, """
        select min(date_day), max(date_day), count(*), count(distinct date_day)
        from intermediate.int_calendar""")[0]
    assert (first, last) == (date(2000, 1, 1), date(2035, 12, 31))
    assert days == distinct == (last - first).days + 1


def test_working_day_number_counts_working_days_on_or_before(calendar_db):
    # 2013 had 365 days, 104 weekend days and 8 bank holidays, all on weekdays.
    (count,) = _calendar(calendar_db, """
        select max(case when date_day = '2013-12-31' then working_day_number end)
             - max(case when date_day = '2012-12-31' then working_day_number end)
        from intermediate.int_calendar""")[0]
    assert count == 365 - 104 - 8
    mismatches = _calendar(calendar_db, """
        select date_day from (
            select date_day, working_day_number,
                   sum(case when is_working_day then 1 else 0 end)
                       over (order by date_day) as recount
            from intermediate.int_calendar)
        where working_day_number <> recount""")
    assert mismatches == []


def _show(db: Path, sql: str) -> list[list]:
    result = dbt_invoke(["show", "--inline", sql, "--limit", "-1", "--output", "json"], db)
    assert result.success, result.exception
    return [list(row) for row in result.result.results[0].agate_table.rows]


def test_working_days_taken_macro_and_keyed_pseudonym(calendar_db, monkeypatch):
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", "test-key")
    # the way every model counts working days: int_calendar joined on both dates
    rows = _show(calendar_db, """
        select t.label,
               {{ working_days_taken('start_day', 'end_day') }} as working_days,
               {{ pseudonymous_id('t.la_code', 't.person_id') }} as child_key
        from (values
            ('jubilee week', cast('2012-06-01' as date), cast('2012-06-08' as date), '808', 'P1'),
            ('same day', cast('2013-07-01' as date), cast('2013-07-01' as date), '808', 'P2'),
            ('across easter', cast('2014-04-17' as date), cast('2014-04-22' as date), '805', 'P1'),
            ('no end', cast('2014-04-17' as date), null, '805', 'P2')
        ) as t(label, start_date, end_date, la_code, person_id)
        left join {{ ref('int_calendar') }} as start_day on start_day.date_day = t.start_date
        left join {{ ref('int_calendar') }} as end_day on end_day.date_day = t.end_date
        order by t.label""")
    got = {label: (days, key) for label, days, key in rows}
    # Fri 1 June -> Fri 8 June 2012: 4th and 5th are bank holidays; 6, 7, 8 count.
    assert got["jubilee week"][0] == 3
    assert got["same day"][0] == 0
    # Thu 17 April 2014 -> Tue 22 April: Good Friday, weekend, Easter Monday; only the 22nd.
    assert got["across easter"][0] == 1
    assert got["no end"][0] is None
    # The key comes from CSC_PSEUDONYM_KEY; la_code is part of the hashed value.
    assert got["jubilee week"][1] == hashlib.sha256(b"test-key|808|P1").hexdigest()
    assert got["across easter"][1] == hashlib.sha256(b"test-key|805|P1").hexdigest()
