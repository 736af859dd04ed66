"""The suite files: declarative, and the raw rules derived from the extract contract."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from csc.contract import load_contract
from csc.validate.gate import EXPECTATIONS_DIR
from csc.validate.suites import Relaxations, load_suites

SUITES = EXPECTATIONS_DIR / "suites"


def _suites(contract=None, relaxations=None):
    return {s.name: s for s in load_suites(SUITES, {"measure_ids": ["contacts"]},
                                           relaxations, contract)}


def test_raw_rules_cover_every_contract_item() -> None:
    contract = load_contract()
    rules = {r.name for r in _suites()["raw_contract"].rules}
    for table in contract.tables.values():
        assert f"key_not_null:{table.name}" in rules
        assert f"key_unique:{table.name}" in rules
        for column in table.columns:
            if column.codes:
                assert f"code_in_list:{table.name}.{column.name}" in rules
            if column.parent:
                assert f"parent_exists:{table.name}.{column.name}" in rules
            if column.required and column.name not in table.key:
                assert f"required_present:{table.name}.{column.name}" in rules
        for _, end in table.date_order:
            assert f"dates_in_order:{table.name}.{end}" in rules


def test_raw_rules_follow_a_changed_contract() -> None:
    """A code added to the contract is accepted, and a new table gets its key rules."""
    contract = load_contract()
    contacts = contract.table("contacts")
    outcome = contacts.column("outcome")
    widened = replace(outcome, codes=(*outcome.codes, "signposted"))
    tables = dict(contract.tables)
    tables["contacts"] = replace(contacts, columns=tuple(
        widened if c.name == "outcome" else c for c in contacts.columns))
    tables["visits"] = replace(contacts, name="visits")
    changed = replace(contract, tables=tables)
    rules = {r.name: r for r in _suites(contract=changed)["raw_contract"].rules}
    assert "'signposted'" in rules["code_in_list:contacts.outcome"].query
    # a `codes` column is checked item by item
    assert "string_split(\"factors\", ';')" in rules["code_in_list:assessments.factors"].query
    assert "key_unique:visits" in rules and "from raw.visits" in rules["key_unique:visits"].query


def test_marts_rules_run_on_both_measure_tables() -> None:
    rules = {r.name for r in _suites()["marts_integrity"].rules}
    for table in ("marts.measure_values", "marts.measure_values_as_reported"):
        assert f"value_is_the_rounded_ratio[{table}]" in rules
        assert f"ytd_denominators_never_fall[{table}]" in rules
        assert f"every_measure_every_period[{table}]" in rules


def test_drift_rules_are_warnings() -> None:
    assert {r.severity for r in _suites()["drift"].rules} == {"warning"}
    assert {r.severity for r in _suites()["marts_integrity"].rules} == {"critical"}


def test_absent_measures_tolerated_only_when_relaxed() -> None:
    strict = {r.name: r for r in _suites()["marts_integrity"].rules}
    relaxed = {r.name: r for r in _suites(relaxations=Relaxations(
        tolerate_absent_measures=True))["marts_integrity"].rules}
    name = "every_measure_every_period[marts.measure_values]"
    assert "where c.measure_id in" not in strict[name].query
    assert "where c.measure_id in" in relaxed[name].query


def test_unknown_placeholder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text(
        "suite: bad\nbatches:\n  - name: b\n    query: select 1 as x\n    expectations:\n"
        "      - {type: expect_column_values_to_be_in_set,"
        " kwargs: {column: x, value_set: $nope}}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown placeholder \$nope"):
        load_suites(tmp_path, {"measure_ids": []})
