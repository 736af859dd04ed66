"""The DfE's validation rules on hand-made returns (tests/returns/tiny_returns.py), run the
way csc runs them: csc/returns/_runner.py in the returns environment (.venv-returns, made by
`make venv-returns` from requirements-returns.lock), one process per LA folder.

Proved here: the rules find the faults made in the returns (an invalid ethnicity code, an
episode ending before it starts, a CIN referral with a bad ReferralSource) and name their
rule code, child, table, column and row; the clean returns have none of them and no error at
all; a missing return is reported as not validated, never as clean; a validator failing as a
whole is an error naming the file; findings stored again replace, not duplicate; the
worklist names the source records (record_map.csv); the mart return_findings builds on an
empty findings table and publishes the child only as the pseudonymous child_key.

Where .venv-returns is missing the module is skipped (run `make venv-returns`), except in CI
(`CI` set), where that is a failure: `.ci/run` makes the environment.
"""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import time
from pathlib import Path

import duckdb
import pytest

from csc.build import dbt_invoke
from csc.config import WarehousePaths
from csc.pseudonym import DEMO_KEY
from csc.publish import pii_column_names, publish_warehouse
from csc.returns.validate import (
    ValidationFailed,
    returns_env_missing,
    store_findings,
    validate_la_folder,
    validate_out_folder,
)
from csc.workdb import prepare_work_db

from .tiny_returns import FAULTS, LA, ONS, YEAR, write_returns

CLEAN_LA, CLEAN_ONS = "807", "E06000003"  # Redcar and Cleveland: the clean returns
AS_AT = "2024-05-01"
CHILD_IDS = {"1001", "1002", "2001", "2002"}
CHILD_ID_COLUMNS = {"person_id", "child_id", "caf_child_id", "raise_person_id"}

pytestmark = [pytest.mark.returns]
if returns_env_missing() and not os.environ.get("CI"):
    pytestmark.append(pytest.mark.skip(
        reason=f"the validator tests need the returns environment: {returns_env_missing()}"))


def _key(finding) -> tuple:
    return (finding["return"], finding["rule_code"], finding["table"], finding["column"],
            finding["child_id"], finding["row"])


def _record_map(folder: Path) -> None:
    """record_map.csv as `csc returns` writes it (docs/returns.md): which contract record
    each row of the returns comes from."""
    rows = [
        ("ssda903", "Header", "1001", "persons", "1001", "0"),
        ("ssda903", "Header", "1002", "persons", "1002", "1"),
        ("ssda903", "Episodes", "1001", "cla_episodes", "E1", "0"),
        ("ssda903", "Episodes", "1002", "cla_episodes", "E2", "1"),
        ("ssda903", "Reviews", "1001", "cla_reviews", "V1", "0"),
        ("ssda903", "Reviews", "1002", "cla_reviews", "V2", "1"),
        ("cin", "ChildIdentifiers", "2001", "persons", "2001", ""),
        ("cin", "ChildIdentifiers", "2002", "persons", "2002", ""),
        ("cin", "CINdetails", "2001", "referrals", "R1", ""),
        ("cin", "CINdetails", "2002", "referrals", "R2", ""),
        ("cin", "Assessments", "2001", "assessments", "A1", ""),
        ("cin", "Assessments", "2002", "assessments", "A2", ""),
    ]
    with (folder / "record_map.csv").open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["return", "table", "child_id", "source_table", "record_id", "row"])
        writer.writerows(rows)


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """An out folder with the faulty returns of LA 808 and the clean ones of LA 807, both
    through the validators (validate_out_folder); how long one LA took is printed."""
    out = tmp_path_factory.mktemp("returns") / "out"
    write_returns(out / LA, faults=True)
    _record_map(out / LA)
    write_returns(out / CLEAN_LA, faults=False)
    started = time.perf_counter()
    findings = validate_out_folder(out, YEAR, ons_codes={LA: ONS, CLEAN_LA: CLEAN_ONS})
    print(f"\nvalidators on 2 LA folders (2 processes: import + run): "
          f"{time.perf_counter() - started:.1f} s")
    return out, findings


def test_the_rules_find_the_faults_made_in_the_returns(checked) -> None:
    _, findings = checked
    found = {_key(f) for f in findings[findings["la_code"] == LA].to_dict("records")}
    missed = {name: fault for name, fault in FAULTS.items() if fault not in found}
    assert not missed, missed
    assert set(findings.columns) == {"la_code", "return", "rule_code", "rule_type", "message",
                                     "table", "column", "child_id", "row"}
    ethnicity = findings[(findings["rule_code"] == "103") & (findings["la_code"] == LA)]
    assert ethnicity["message"].str.contains("ethnicity").all()
    assert set(findings["rule_type"]) <= {"error", "query"}


def test_the_clean_returns_have_none_of_those_faults_and_no_error(checked) -> None:
    _, findings = checked
    clean = findings[findings["la_code"] == CLEAN_LA]
    fault_codes = {(f[0], f[1]) for f in FAULTS.values()}
    codes = set(zip(clean["return"], clean["rule_code"], strict=True))
    assert not codes & fault_codes
    assert clean[clean["rule_type"] == "error"].empty, clean
    returns = findings.attrs["returns"][CLEAN_LA]
    assert {r["status"] for r in returns.values()} == {"validated"}
    assert returns["ssda903"]["rules_run"] > 100 and returns["cin"]["rules_run"] > 100
    assert not returns["ssda903"]["rules_failed"] and not returns["cin"]["rules_failed"]


def test_a_missing_return_is_not_validated_and_absent_tables_skip_their_rules(
        checked, tmp_path) -> None:
    out, findings = checked
    folder = tmp_path / LA
    (folder / "ssda903").mkdir(parents=True)
    shutil.copy(out / LA / "ssda903" / "header.csv", folder / "ssda903" / "header.csv")
    alone = validate_la_folder(folder, YEAR, LA, ONS)
    returns = alone.attrs["returns"][LA]
    assert returns["cin"]["status"] == "not validated"
    assert "cin_census.xml" in returns["cin"]["reason"]
    assert set(alone["return"]) == {"ssda903"}
    # Header alone: the rules on Episodes and Reviews are skipped, the ethnicity rule runs
    full = findings.attrs["returns"][LA]["ssda903"]
    assert len(returns["ssda903"]["rules_skipped"]) > len(full["rules_skipped"])
    assert "103" in set(alone["rule_code"])
    # the summary says so too
    validate_out_folder(tmp_path, YEAR, ons_codes={LA: ONS})
    with (tmp_path / "validation_summary.csv").open(newline="") as fh:
        summary = list(csv.DictReader(fh))
    assert [r for r in summary if r["return"] == "cin"] == [
        {"la_code": LA, "return": "cin", "status": "not validated", "rule_code": "",
         "rule_type": "", "message": returns["cin"]["reason"], "findings": "0",
         "children": "0"}]


def test_a_validator_failing_as_a_whole_is_an_error_naming_the_file(checked, tmp_path) -> None:
    out, _ = checked
    broken = tmp_path / "broken"
    shutil.copytree(out / LA, broken)
    xml = broken / "cin_census.xml"
    xml.write_text(xml.read_text()[:400])  # cut off mid-element
    with pytest.raises(ValidationFailed, match=r"CIN census.*cin_census\.xml"):
        validate_la_folder(broken, YEAR, LA, ONS)
    xml.unlink()
    (broken / "ssda903" / "header.csv").write_text("CHILD,SEXE,DOB\n1001,1,01/05/2012\n")
    with pytest.raises(ValidationFailed, match=r"SSDA903.*header\.csv.*match no SSDA903"):
        validate_la_folder(broken, YEAR, LA, ONS)
    with pytest.raises(ValidationFailed, match="2023-2024"):
        validate_la_folder(out / LA, "2023-2024", LA, ONS)
    with pytest.raises(ValidationFailed, match="no returns to check"):
        validate_out_folder(tmp_path / "nothing", YEAR, ons_codes={LA: ONS})
    with pytest.raises(ValidationFailed, match="no returns to check.*for LA 999"):
        validate_out_folder(out, YEAR, ons_codes={LA: ONS}, la_codes=["999"])


def test_the_worklist_names_the_source_records(checked) -> None:
    out, _ = checked
    with (out / "validation_worklist.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    named = {(r["return"], r["rule_code"], r["column"], r["child_id"]):
             (r["source_table"], r["record_id"], r["person_id"]) for r in rows
             if r["la_code"] == LA}
    assert named[("ssda903", "103", "ETHNIC", "1001")] == ("persons", "1001", "1001")
    assert named[("ssda903", "356", "DECOM", "1002")] == ("cla_episodes", "E2", "1002")
    assert named[("cin", "8866", "ReferralSource", "2001")] == ("referrals", "R1", "2001")
    # LA 807 has no record map: its findings are listed, with no source record
    assert {r["source_table"] for r in rows if r["la_code"] == CLEAN_LA} <= {""}
    with (out / "validation_summary.csv").open(newline="") as fh:
        summary = list(csv.DictReader(fh))
    ethnicity = [r for r in summary if r["la_code"] == LA and r["rule_code"] == "103"]
    assert [(r["return"], r["rule_type"], r["findings"], r["children"])
            for r in ethnicity] == [("ssda903", "error", "1", "1")]


def _stored(work: Path) -> list[tuple]:
    with duckdb.connect(str(work), read_only=True) as con:
        return con.execute(
            """select la_code, collection_year, cast(as_at as varchar), return_name,
                      rule_code, table_name, column_name, child_id, row_number
               from returns.validation_findings order by all""").fetchall()


def test_findings_stored_again_replace_the_earlier_check(checked, tmp_path) -> None:
    _, findings = checked
    work = prepare_work_db(tmp_path / "csc.work.duckdb", parts=["returns"])
    assert store_findings(work, findings, YEAR, AS_AT) == len(findings) > 0
    first = _stored(work)
    assert len(first) == len(findings)
    assert store_findings(work, findings, YEAR, AS_AT) == len(findings)
    assert _stored(work) == first  # replaced, not duplicated
    # a later as-at is kept beside it; a check of LA 808 finding nothing clears its findings
    store_findings(work, findings, YEAR, "2024-06-01")
    assert len(_stored(work)) == 2 * len(first)
    nothing = findings[findings["la_code"] == "none"]
    store_findings(work, nothing, YEAR, AS_AT, la_codes=[LA])
    left = _stored(work)
    assert not [r for r in left if r[0] == LA and r[2] == AS_AT]
    assert [r for r in left if r[0] == CLEAN_LA and r[2] == AS_AT]
    with duckdb.connect(str(work), read_only=True) as con:
        runs = con.execute("""select la_code, return_name, status from returns.validation_runs
                              where as_at = '2024-06-01' order by all""").fetchall()
    assert runs == [(CLEAN_LA, "cin", "validated"), (CLEAN_LA, "ssda903", "validated"),
                    (LA, "cin", "validated"), (LA, "ssda903", "validated")]


def _build(work: Path) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("CSC_PSEUDONYM_KEY", raising=False)
        result = dbt_invoke(["build", "--select", "+return_findings"], work)
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}" for r in result.result or []
              if str(r.status) in ("error", "fail", "runtime error")]
    assert result.success and not failed, failed or result.exception


def test_the_mart_builds_empty_and_publishes_the_child_only_pseudonymised(
        checked, tmp_path) -> None:
    _, findings = checked
    paths = WarehousePaths(published=tmp_path / "csc.duckdb")
    work = prepare_work_db(paths.work, parts=["returns"])
    _build(work)  # no return ever checked
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("select count(*) from marts.return_findings").fetchone() == (0,)
    store_findings(work, findings, YEAR, AS_AT)
    _build(work)
    publish_warehouse(paths)
    with duckdb.connect(str(paths.published), read_only=True) as con:
        columns = {c for (c,) in con.execute(
            "select column_name from duckdb_columns() where table_name = 'return_findings'"
        ).fetchall()}
        cells = con.execute("select * from marts.return_findings").fetchall()
        schemas = {s for (s,) in con.execute(
            "select distinct schema_name from duckdb_tables()").fetchall()}
        ethnicity = con.execute(
            """select child_key, table_name, column_name, row_number, rule_type, latest_check
               from marts.return_findings where la_code = ? and rule_code = '103'""",
            [LA]).fetchall()
    assert schemas <= {"marts", "meta"}  # the findings table itself is not published
    assert not columns & (CHILD_ID_COLUMNS | pii_column_names())
    assert len(cells) == len(findings)
    assert not [c for row in cells for c in row if str(c) in CHILD_IDS]
    key = hashlib.sha256(f"{DEMO_KEY}|{LA}|1001".encode()).hexdigest()
    assert ethnicity == [(key, "Header", "ETHNIC", 0, "error", True)]
