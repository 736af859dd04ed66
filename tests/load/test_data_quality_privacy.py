"""The published data-quality worklist holds no child id in clear (docs/loading.md): a
problem of a person-keyed record says `withheld (child id)` and carries the pseudonymous
child_key, and so does a child-id value; the worklist beside the work database
(csc.fixes, data_quality/records_to_fix.csv) has the ids as the case-management system
knows them."""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

import duckdb
import pytest

from csc.build import dbt_invoke
from csc.config import PROJECT_DIR
from csc.contract import load_contract
from csc.fixes import export_records_to_fix
from csc.load import load_new_drops
from csc.pseudonym import DEMO_KEY
from csc.workdb import prepare_work_db

from .drops import LA, base_tables, contact, person, write_drop

MART_SQL = PROJECT_DIR / "models" / "marts" / "data_quality_issues.sql"
CHILD_ID_COLUMNS = {"person_id", "caf_child_id", "raise_person_id"}
WITHHELD = "withheld (child id)"


def _child_key(person_id: str) -> str:
    return hashlib.sha256(f"{DEMO_KEY}|{LA}|{person_id}".encode()).hexdigest()


def test_the_mart_withholds_the_ids_of_every_table_keyed_by_a_child() -> None:
    """The mart's lists of child-keyed tables and child-id columns follow the contract."""
    contract = load_contract()
    child_refs = {("persons", "person_id"), ("caf_children", "caf_child_id")}
    for table in contract.tables.values():
        for column in table.columns:
            if column.parent is not None and tuple(column.parent) in child_refs:
                assert column.name in CHILD_ID_COLUMNS, (table.name, column.name)
    keyed = {t.name for t in contract.tables.values() if CHILD_ID_COLUMNS & set(t.key)}
    sql = MART_SQL.read_text()
    listed = re.search(r"source_table in \(([^)]*)\)\s*then 'withheld \(child id\)'", sql)
    assert listed is not None
    assert set(re.findall(r"'(\w+)'", listed.group(1))) == keyed
    columns = re.search(r"column_name in \(([^)]*)\)\s*then 'withheld \(child id\)'", sql)
    assert columns is not None
    assert set(re.findall(r"'(\w+)'", columns.group(1))) == CHILD_ID_COLUMNS


@pytest.fixture(scope="module")
def worklist(tmp_path_factory) -> tuple[Path, Path]:
    """One small drop with a person's code broken and a contact naming an unknown person,
    loaded and built into marts.data_quality_issues; the records-to-fix CSV written."""
    root = tmp_path_factory.mktemp("dqpriv")
    tables = base_tables()
    tables["persons"] += [person(f"1{i:02}") for i in range(40)]  # keep under the share
    tables["persons"][0]["sex"] = "m"  # 007: not-in-code-list, a person-keyed record
    tables["contacts"] += [contact(f"C{i}", f"1{i:02}") for i in range(3, 40)]
    tables["contacts"].append(contact("C99", "999", "closed_logged"))  # unknown person
    write_drop(root / "landing", "2013-07-14", tables)
    work = prepare_work_db(root / "csc.work.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CSC_PSEUDONYM_KEY", raising=False)
        assert load_new_drops(root / "landing", work).record_problems == {
            "missing-parent": 1, "not-in-code-list": 1}
        result = dbt_invoke(["build", "--select", "+data_quality_issues",
                             "--indirect-selection", "cautious"], work)
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}" for r in result.result or []
              if str(r.status) in ("error", "fail", "runtime error")]
    assert result.success and not failed, failed or result.exception
    csv_path = root / "data_quality" / "records_to_fix.csv"
    assert export_records_to_fix(work, csv_path) == 2
    return work, csv_path


def test_the_published_worklist_holds_no_person_id_in_clear(worklist) -> None:
    work, _ = worklist
    with duckdb.connect(str(work), read_only=True) as con:
        rows = con.execute(
            """select source_table, record_id, child_key, column_name, rule, value, status
               from marts.data_quality_issues order by source_table""").fetchall()
        cells = con.execute(
            "select * from marts.data_quality_issues").fetchall()
    assert rows == [
        ("contacts", "C99", _child_key("999"), "person_id", "missing-parent", WITHHELD,
         "open"),
        ("persons", WITHHELD, _child_key("007"), "sex", "not-in-code-list", "m", "open"),
    ]
    person_ids = {"007", "008", "999", *(f"1{i:02}" for i in range(40))}
    assert not [c for row in cells for c in row if str(c) in person_ids]


def test_the_worklist_beside_the_work_database_has_the_real_ids(worklist) -> None:
    _, csv_path = worklist
    with csv_path.open(newline="") as fh:
        rows = sorted((r["source_table"], r["record_id"], r["column_name"], r["rule"],
                       r["value"], r["status"], r["first_seen_extract"])
                      for r in csv.DictReader(fh))
    assert rows == [
        ("contacts", "C99", "person_id", "missing-parent", WITHHELD, "open", "2013-07-14"),
        ("persons", "007", "sex", "not-in-code-list", "m", "open", "2013-07-14"),
    ]
