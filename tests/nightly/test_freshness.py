"""Stale data and drops from the future, against the clock (csc.clock: the only thing these
tests set). The loader refuses a drop dated after today and loads the rest; the age of the
newest extract is counted in whole days by csc and by `dbt source freshness` alike, and is
stale only past the threshold (CSC_STALE_AFTER_DAYS, default 2)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from csc import clock
from csc.config import DEFAULT_STALE_AFTER_DAYS, stale_after_days
from csc.freshness import check_freshness, staleness_of
from csc.load import DropRejected, load_new_drops
from csc.workdb import prepare_work_db
from tests.load.drops import base_tables, write_drop


def set_today(monkeypatch, day: date) -> None:
    monkeypatch.setattr(clock, "today", lambda: day)


# --- A drop dated in the future -------------------------------------------------------------

def test_a_drop_dated_after_today_is_refused_and_the_rest_loads(tmp_path, monkeypatch):
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    for extract_date in ("2013-07-14", "2013-10-14", "2013-10-21"):
        write_drop(landing, extract_date, base_tables())
    set_today(monkeypatch, date(2013, 10, 20))

    with pytest.raises(DropRejected) as refused:
        load_new_drops(landing, work)
    message = str(refused.value)
    assert message.startswith("drop 2013-10-21 rejected, nothing of it was loaded")
    assert ("2013-10-21/: drop is dated after today: value '2013-10-21' (drop folder "
            "2013-10-21/ is dated 2013-10-21, after today (2013-10-20)") in message
    assert message.rstrip().endswith(f"full report: {landing / '2013-10-21.quarantine.txt'}")
    with duckdb.connect(str(work), read_only=True) as con:
        loaded = con.execute("select cast(extract_date as varchar) from meta.loaded_drops "
                             "order by 1").fetchall()
        quarantined = con.execute("select q.extract_date, p.rule from meta.quarantined_drops q "
                                  "join meta.quarantine_problems p using (attempt_id)"
                                  ).fetchall()
    assert loaded == [("2013-07-14",), ("2013-10-14",)]  # the rest of the landing loaded
    assert quarantined == [("2013-10-21", "dated-in-the-future")]  # listed like any refusal
    report = (landing / "2013-10-21.quarantine.txt").read_text()
    assert "Drop 2013-10-21 was NOT loaded" in report and "[dated-in-the-future]" in report

    # A refused drop is checked again on every run: on its day it is no longer refused.
    set_today(monkeypatch, date(2013, 10, 21))
    assert load_new_drops(landing, work).drops_loaded == ["2013-10-21"]


def test_a_drop_dated_today_loads(tmp_path, monkeypatch):
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    set_today(monkeypatch, date(2013, 7, 14))
    assert load_new_drops(landing, work).drops_loaded == ["2013-07-14"]


# --- The threshold and the count of days -------------------------------------------------------

def test_the_threshold_comes_from_the_argument_then_the_environment_then_the_default(
        monkeypatch):
    monkeypatch.delenv("CSC_STALE_AFTER_DAYS", raising=False)
    assert stale_after_days() == DEFAULT_STALE_AFTER_DAYS == 2
    monkeypatch.setenv("CSC_STALE_AFTER_DAYS", "7")
    assert stale_after_days() == 7
    assert stale_after_days(0) == 0
    for bad in ("-1", "two", "2.5"):
        with pytest.raises(ValueError, match="whole number of days"):
            stale_after_days(bad)


def test_stale_means_more_days_than_the_threshold(monkeypatch):
    set_today(monkeypatch, date(2014, 4, 16))
    on_the_day = staleness_of(date(2014, 4, 14), 2)
    assert (on_the_day.days, on_the_day.stale) == (2, False)
    assert on_the_day.figures_as_at() == "figures as at 2014-04-14 (2 days old)"
    day_after = staleness_of(date(2014, 4, 13), 2)
    assert (day_after.days, day_after.stale) == (3, True)
    assert day_after.warning().startswith("stale data: no new drop for more than 2 days "
                                          "(today is 2014-04-16): figures as at 2014-04-13 "
                                          "(3 days old).")
    assert staleness_of(date(2014, 4, 15), 0).figures_as_at().endswith("(1 day old)")
    assert staleness_of(date(2014, 4, 15), 0).stale


@pytest.fixture(scope="module")
def manifest_only_work_db(tmp_path_factory) -> Path:
    """A work database holding only the load manifest, newest drop 2014-04-14: all that
    `dbt source freshness` on meta.loaded_drops reads."""
    work = prepare_work_db(tmp_path_factory.mktemp("freshness") / "csc.work.duckdb",
                           parts=("load", "runs"))
    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.loaded_drops (extract_date, load_id) values "
                    "('2014-01-14', 'a'), ('2014-04-14', 'b')")
    return work


def test_dbt_source_freshness_says_what_the_count_of_days_says(manifest_only_work_db,
                                                               monkeypatch):
    monkeypatch.delenv("CSC_STALE_AFTER_DAYS", raising=False)
    newest = date(2014, 4, 14)
    for age, status in ((2, "pass"), (3, "warn")):
        set_today(monkeypatch, newest + timedelta(days=age))
        result = check_freshness(manifest_only_work_db)
        assert (result.staleness.days, result.staleness.stale) == (age, status == "warn")
        assert (result.dbt_status, result.dbt_age_days) == (status, age)
        assert (result.warnings != []) == (status == "warn")
    # The threshold is the configured one, for dbt too.
    monkeypatch.setenv("CSC_STALE_AFTER_DAYS", "5")
    result = check_freshness(manifest_only_work_db)
    assert (result.staleness.threshold, result.dbt_status, result.warnings) == (5, "pass", [])


def test_refresh_refuses_a_threshold_that_is_not_a_whole_number_of_days(tmp_path, capsys,
                                                                       monkeypatch):
    from csc.cli import main as csc_main

    monkeypatch.delenv("CSC_STALE_AFTER_DAYS", raising=False)
    assert csc_main(["refresh", "--landing", str(tmp_path), "--warehouse",
                     str(tmp_path / "csc.duckdb"), "--stale-after-days", "-1"]) == 2
    assert "whole number of days, 0 or more" in capsys.readouterr().err
    assert not (tmp_path / "csc.work.duckdb").exists()  # no refresh started
