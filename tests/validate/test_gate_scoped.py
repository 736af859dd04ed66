"""The gate checks what moved (csc.validate.scope): a check that passed on unchanged tables
is carried, the raw contract's rules run on the new drops' versions only when the older
versions are proved unchanged, and a break anywhere that changed still fails the gate."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
from gate_workdb import LAS, build_clean_work_db, insert_raw
from test_gate_rules import BREAKS, _apply, _break_las, _mentions_la

from csc.validate import ValidationResult, validate_build
from csc.validate.scope import record_path


def _passed_once(work: Path) -> ValidationResult:
    """The first validation of `work` (whole) and its record."""
    with duckdb.connect(str(work)) as con:
        con.execute("insert into meta.loaded_drops by name select 'load1' as load_id, "
                    "date '2014-04-14' as extract_date")
    first = validate_build(work, work.parent, strict=True)
    assert first.success, first.failures
    assert first.carried == {} and first.scoped == {}
    assert record_path(work.parent).is_file()
    return first


def _new_drop(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("insert into meta.loaded_drops by name select 'load2' as load_id, "
                "date '2014-04-15' as extract_date")


def _checks(result: ValidationResult) -> int:
    return sum(s.evaluated for s in result.suites)


def test_an_unchanged_work_database_carries_every_check(work_copy: Path) -> None:
    first = _passed_once(work_copy)
    again = validate_build(work_copy, work_copy.parent, strict=True)
    assert again.success and again.summary() == first.summary()
    assert again.scoped == {}
    assert len(again.carried) == len(json.loads(record_path(work_copy.parent).read_text())
                                     ["checks"])
    assert all("unchanged since" in why for why in again.carried.values())
    # asked to, it checks everything whole
    whole = validate_build(work_copy, work_copy.parent, strict=True, scoped=False)
    assert whole.success and whole.carried == {} and _checks(whole) == _checks(first)


def test_a_new_drop_is_checked_on_its_own_versions_and_its_breaks_fail(work_copy: Path
                                                                       ) -> None:
    _passed_once(work_copy)
    with duckdb.connect(str(work_copy)) as con:
        _new_drop(con)
        # the new drop: a contact with a code outside its list, and the person of one
        # referral deleted (its current version closed by the new drop)
        insert_raw(con, "contacts", {"la_code": LAS[0], "contact_id": "CNEW",
                                     "person_id": "P1", "contact_date": "2014-04-10",
                                     "outcome": "bogus"})
        con.execute("update raw.contacts set _load_id = 'load2', _valid_from = '2014-04-15' "
                    "where contact_id = 'CNEW'")
        person = con.execute("select person_id from raw.referrals where la_code = ? "
                             "and _valid_to is null limit 1", [LAS[0]]).fetchone()[0]
        con.execute("update raw.persons set _valid_to = '2014-04-15' where la_code = ? "
                    "and person_id = ? and _valid_to is null", [LAS[0], person])
    result = validate_build(work_copy, work_copy.parent, strict=True)
    assert not result.success
    failed = result.failed_checks()
    code = "raw_contract: code_in_list:contacts.outcome"
    parent = "raw_contract: parent_exists:referrals.person_id"
    assert code in failed and any("CNEW" in row or "bogus" in row for row in failed[code])
    assert parent in failed and any(person in row for row in failed[parent])
    # both ran on the new drop's versions; the marts' checks were carried
    assert "raw_contract/code_in_list:contacts.outcome" in result.scoped
    assert "raw_contract/parent_exists:referrals.person_id" in result.scoped
    assert any(key.startswith("marts_integrity/") for key in result.carried)
    # a rule over a raw table no drop touched is carried; over contacts it is not
    assert "raw_contract/key_unique:contacts" in result.scoped
    assert "raw_contract/key_unique:cp_plans" in result.carried


def test_a_raw_change_no_load_made_runs_the_rules_whole(work_copy: Path) -> None:
    # An old version changed in place (not by a drop): nothing about it can be assumed.
    _passed_once(work_copy)
    with duckdb.connect(str(work_copy)) as con:
        _new_drop(con)
        con.execute("update raw.contacts set outcome = 'closed' where la_code = ?", [LAS[0]])
    result = validate_build(work_copy, work_copy.parent, strict=True)
    assert "raw_contract: code_in_list:contacts.outcome" in result.failed_checks()
    assert "raw_contract/code_in_list:contacts.outcome" not in result.scoped


@pytest.fixture(scope="module")
def broken_after_a_pass(tmp_path_factory) -> ValidationResult:
    """Every break of test_gate_rules made after a passed validation (one new drop)."""
    folder = tmp_path_factory.mktemp("broken-after-pass")
    las = _break_las()
    work = build_clean_work_db(folder / "csc.work.duckdb", LAS + tuple(las))
    _passed_once(work)
    with duckdb.connect(str(work)) as con:
        _new_drop(con)
        for la, b in las.items():
            _apply(con, la, b)
    return validate_build(work, folder, strict=True)


@pytest.mark.parametrize("la,broken", _break_las().items(), ids=[b.id for b in BREAKS])
def test_the_scoped_gate_fails_on(broken_after_a_pass: ValidationResult, la: str,
                                  broken) -> None:
    failed = broken_after_a_pass.failed_checks()
    matching = {check: rows for check, rows in failed.items()
                if check.split(": ", 1)[1].startswith(broken.expected)
                or check.startswith(broken.expected)}
    assert matching, f"{broken.expected} did not fail; failed: {sorted(failed)}"
    if broken.names_la:
        assert any(_mentions_la(row, la) for rows in matching.values() for row in rows)


def test_a_failed_validation_keeps_the_last_passed_record(work_copy: Path) -> None:
    _passed_once(work_copy)
    before = record_path(work_copy.parent).read_text()
    shutil.copyfile(work_copy, work_copy.with_name("clean.duckdb"))
    with duckdb.connect(str(work_copy)) as con:
        con.execute("update marts.measure_values set numerator = denominator + 1 "
                    "where denominator > 0")
    assert not validate_build(work_copy, work_copy.parent, strict=True).success
    assert record_path(work_copy.parent).read_text() == before
