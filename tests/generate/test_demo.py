"""The demo drops: layout, snapshots, restatements, the contract, CAF linkage truth."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest

from csc.contract import load_contract
from csc.generate import DEMO_PERIODS
from tests.generate.contract_check import check_drop


def _rows(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _frame(landing, drop, table):
    return pd.read_csv(landing / drop / table, dtype=str, keep_default_na=False)


def test_demo_drops_follow_the_contract_layout(demo_landing):
    contract = load_contract()
    drops = sorted(p.name for p in demo_landing.iterdir())
    assert drops == [p.extract_date.isoformat() for p in DEMO_PERIODS]
    for drop in drops:
        for table in contract.required_tables():
            path = demo_landing / drop / table.relative_path
            assert path.exists(), path
            assert _rows(path)[0] == table.column_names, path


@pytest.mark.parametrize("period", DEMO_PERIODS, ids=lambda p: p.label)
def test_every_file_of_every_drop_reads_back_against_the_contract(demo_landing, period):
    assert check_drop(demo_landing / period.extract_date.isoformat()) == []


def test_the_contract_check_sees_a_broken_file(demo_landing, tmp_path):
    import shutil

    drop = tmp_path / "drop"
    shutil.copytree(demo_landing / DEMO_PERIODS[0].extract_date.isoformat(), drop)
    path = drop / "raise" / "referrals.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[0, "closure_reason"] = "RC99"
    df.loc[1, "person_id"] = "P-nobody"
    df.to_csv(path, index=False)
    problems = check_drop(drop)
    assert any("closure_reason codes ['RC99']" in p for p in problems)
    assert any("referrals.person_id: 1 without a parent" in p for p in problems)


def test_each_drop_is_a_snapshot_as_at_its_extract_date(demo_landing):
    for period in DEMO_PERIODS:
        drop = period.extract_date.isoformat()
        for table, cols in {"raise/contacts.csv": ["contact_date", "decision_date"],
                            "raise/referrals.csv": ["referral_date", "closure_date"],
                            "raise/assessments.csv": ["start_date", "completed_date"],
                            "raise/cla_episodes.csv": ["start_date", "end_date"],
                            "caf/caf_assessments.csv": ["start_date", "closure_date"]}.items():
            df = _frame(demo_landing, drop, table)
            for col in cols:
                filled = df.loc[df[col] != "", col]
                assert filled.max() <= drop, (table, col)


def test_contacts_per_period_are_the_published_counts_as_reported(demo_landing):
    for period in DEMO_PERIODS:
        df = _frame(demo_landing, period.extract_date.isoformat(), "raise/contacts.csv")
        d = df.contact_date
        n = int(((d >= period.start.isoformat()) & (d <= period.end.isoformat())).sum())
        assert n == period.contacts, period.label


def test_later_drops_restate_earlier_periods(demo_landing):
    q1 = DEMO_PERIODS[1]
    first = _frame(demo_landing, q1.extract_date.isoformat(), "raise/referrals.csv")
    later = _frame(demo_landing, DEMO_PERIODS[2].extract_date.isoformat(), "raise/referrals.csv")

    def nfa(df):
        d = df.referral_date
        return int(((d >= q1.start.isoformat()) & (d <= q1.end.isoformat())
                    & (df.referral_nfa == "Y")).sum())

    assert nfa(later) > nfa(first)  # yet-to-proceed referrals closed as NFA later
    c_first = _frame(demo_landing, q1.extract_date.isoformat(), "raise/contacts.csv")
    c_last = _frame(demo_landing, DEMO_PERIODS[-1].extract_date.isoformat(),
                    "raise/contacts.csv")
    in_q1 = lambda df: ((df.contact_date >= q1.start.isoformat())  # noqa: E731
                        & (df.contact_date <= q1.end.isoformat())).sum()
    assert in_q1(c_last) > in_q1(c_first)  # contacts recorded late


def test_single_assessments_replace_initial_and_core_in_the_last_quarter(demo_landing):
    df = _frame(demo_landing, DEMO_PERIODS[-1].extract_date.isoformat(), "raise/assessments.csv")
    single = df[df.assessment_type == "single"]
    assert len(single) and single.start_date.min() >= "2014-01-01"
    assert (df[df.assessment_type == "initial"].start_date < "2014-03-01").all()


def test_working_days_know_the_one_off_bank_holidays():
    from csc.generate.calendar import WorkingDays, day

    wd = WorkingDays(2011, 2012)
    for holiday in (date(2011, 4, 29), date(2012, 6, 5)):
        assert day(holiday) not in set(wd.days.tolist())
    assert wd.between(day(date(2011, 4, 27)), day(date(2011, 5, 3))) == 2


def test_caf_children_carry_a_raise_id_only_sometimes_and_truth_is_outside(demo_landing):
    truth_dir = demo_landing.parent / f"{demo_landing.name}-truth"
    truth = pd.read_csv(truth_dir / "caf_child_person.csv", dtype=str, keep_default_na=False)
    assert not any(p.name == truth_dir.name for p in demo_landing.iterdir())
    last = DEMO_PERIODS[-1].extract_date.isoformat()
    kids = _frame(demo_landing, last, "caf/caf_children.csv").merge(truth, on="caf_child_id")
    linked = kids[kids.person_id != ""]
    shown = linked[linked.raise_person_id != ""]
    assert 0.25 < len(shown) / len(linked) < 0.42
    assert (shown.raise_person_id == shown.person_id).all()
    assert (kids.loc[kids.person_id == "", "raise_person_id"] == "").all()
    persons = _frame(demo_landing, last, "raise/persons.csv").set_index("person_id")
    hidden = linked[linked.raise_person_id == ""].join(persons, on="person_id", rsuffix="_r")
    differs = ((hidden.forename != hidden.forename_r) | (hidden.surname != hidden.surname_r)
               | (hidden.date_of_birth != hidden.date_of_birth_r)
               | (hidden.postcode != hidden.postcode_r))
    assert 0.2 < differs.mean() < 0.8  # linkage is a real problem, but not hopeless


def test_same_seed_same_files(tmp_path, demo_landing):
    from csc.generate import generate_demo

    generate_demo(tmp_path)
    last = DEMO_PERIODS[-1].extract_date.isoformat()
    for name in ("raise/persons.csv", "raise/contacts.csv", "raise/cla_episodes.csv",
                 "caf/caf_children.csv"):
        assert (tmp_path / last / name).read_bytes() == (demo_landing / last / name).read_bytes()


def test_children_in_care_are_born_before_care_and_under_18_in_it(demo_landing):
    """Long-stay children's dates of birth are set after their care (to make the
    placement-length measure exact): they must still make sense."""
    last = DEMO_PERIODS[-1].extract_date.isoformat()
    ep = _frame(demo_landing, last, "raise/cla_episodes.csv")
    born = _frame(demo_landing, last, "raise/persons.csv").set_index("person_id").date_of_birth
    ep["dob"] = ep.person_id.map(born)
    assert (ep.dob <= ep.start_date).all()
    stop = ep.end_date.where(ep.end_date != "", last)
    eighteen = pd.to_datetime(ep.dob) + pd.DateOffset(years=18)
    assert (pd.to_datetime(stop) <= eighteen).all()
