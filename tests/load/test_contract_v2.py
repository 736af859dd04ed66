"""Contract v2 (docs/extract-contract.md, "Versions"): drops of version 1 keep loading, the
columns version 2 added (`since: 2`) are checked like any other where a file has them, the
codes type checks each `;`-separated item, and a work file made before v2 gains the new raw
columns."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from csc.contract import load_contract
from csc.load import DropRejected, load_new_drops
from csc.workdb import prepare_work_db

from .drops import LA, base_tables, person, write_drop

CONTRACT = load_contract()
V2_COLUMNS = {t.name: [c.name for c in t.columns if c.since == 2]
              for t in CONTRACT.tables.values()}


def _episode(eid: str, pid: str, **changes: str) -> dict[str, str]:
    return {"la_code": LA, "episode_id": eid, "person_id": pid, "start_date": "2013-05-10",
            "reason_new_episode": "S", "legal_status": "C2", "placement_type": "U1",
            "placement_provider": "PR1", "end_date": "", "reason_ceased": "",
            "reason_place_change": "", "category_of_need": "N1",
            "home_postcode": "TS18 1AA", "placement_postcode": "TS19 7AB",
            "placement_urn": "XXXXXXX"} | changes


def _assessment(aid: str, pid: str, **changes: str) -> dict[str, str]:
    return {"la_code": LA, "assessment_id": aid, "referral_id": "R1", "person_id": pid,
            "assessment_type": "single", "start_date": "2013-05-04",
            "completed_date": "2013-05-20", "team_id": "T1", "worker_id": "W1",
            "authorisation_date": "2013-05-22", "factors": "2A;3B;21"} | changes


def _v2_tables() -> dict[str, list[dict[str, str]]]:
    tables = base_tables()
    tables["persons"] = [
        person("007", upn_unknown="", disabilities="NONE", uasc="N", mother="N"),
        person("008", forename="Ben", sex="M", upn_unknown="UN2", disabilities="MOB;HEAR",
               uasc="Y", uasc_ceased_date="2013-06-01", mother="N")]
    tables["cla_episodes"] = [_episode("E1", "007")]
    tables["assessments"] = [_assessment("A1", "007")]
    tables["cin_plans"] = [{"la_code": LA, "cin_plan_id": "CIN1", "person_id": "008",
                            "referral_id": "R1", "start_date": "2013-05-21",
                            "end_date": ""}]
    tables["missing_episodes"] = [{"la_code": LA, "missing_id": "M1", "person_id": "007",
                                   "missing_type": "M", "start_date": "2013-06-02",
                                   "end_date": "2013-06-03"}]
    return tables


def _v1_tables() -> dict[str, list[dict[str, str]]]:
    """The same records as a contract v1 export holds them: no v2 values, no v2 tables."""
    return {name: [{k: v for k, v in row.items() if k not in V2_COLUMNS[name]} for row in rows]
            for name, rows in _v2_tables().items()
            if name not in ("cin_plans", "missing_episodes")}


def _raw(work: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(work), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_v1_drop_loads_with_the_v2_columns_empty_and_nothing_flagged(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    v1 = _v1_tables()
    drop = write_drop(landing, "2013-07-14", v1, version=1)
    header = (drop / "raise/persons.csv").read_text().splitlines()[0].split(",")
    assert not set(header) & set(V2_COLUMNS["persons"])
    result = load_new_drops(landing, work)
    assert result.drops_loaded == ["2013-07-14"] and result.record_problems == {}
    assert _raw(work, "select count(*) from meta.record_problems") == [(0,)]
    assert _raw(work, """select count(*), count(category_of_need), count(home_postcode)
                         from raw.cla_episodes""") == [(1, 0, 0)]
    assert _raw(work, "select count(*), count(disabilities) from raw.persons") == [(2, 0)]
    assert _raw(work, "select count(*) from raw.cin_plans") == [(0,)]

    # the same records from a v2 export with the new columns empty are not a change
    write_drop(landing, "2013-08-14", v1)
    again = load_new_drops(landing, work)
    assert again.versions_added == 0 and again.versions_closed == 0
    # ... and a value in a new column is one
    v1["cla_episodes"] = [_episode("E1", "007", category_of_need="N2")]
    write_drop(landing, "2013-09-14", v1)
    third = load_new_drops(landing, work)
    assert third.versions_added == third.versions_closed == 1
    assert _raw(work, """select category_of_need from raw.cla_episodes
                         where _valid_to is null""") == [("N2",)]


def test_a_v2_drop_loads_its_new_columns_and_tables(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", _v2_tables())
    result = load_new_drops(landing, work)
    assert result.record_problems == {}
    assert _raw(work, "select disabilities, uasc_ceased_date from raw.persons order by 1") == [
        ("MOB;HEAR", "2013-06-01"), ("NONE", None)]
    assert _raw(work, "select factors, authorisation_date from raw.assessments") == [
        ("2A;3B;21", "2013-05-22")]
    assert _raw(work, "select cin_plan_id, referral_id from raw.cin_plans") == [("CIN1", "R1")]
    assert _raw(work, "select missing_type from raw.missing_episodes") == [("M",)]


@pytest.mark.parametrize(("table", "row", "column", "value", "stored"), [
    ("cla_episodes", {"category_of_need": "N9"}, "category_of_need", "N9", None),
    # one item of a `;`-separated list that is not a code flags the whole value
    ("persons", {"disabilities": "MOB;XYZ"}, "disabilities", "MOB;XYZ", None),
    ("assessments", {"factors": "2A;;21"}, "factors", "2A;;21", None),
    ("persons", {"uasc": "yes"}, "uasc", "yes", None),
    ("assessments", {"authorisation_date": "2013-05-01"}, "authorisation_date",
     "2013-05-01", None),
    ("missing_episodes", {"missing_type": "X"}, "missing_type", "X", None),
])
def test_a_bad_value_in_a_v2_column_is_flagged_and_listed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, table: str, row: dict[str, str],
        column: str, value: str, stored: str | None) -> None:
    monkeypatch.setenv("CSC_MAX_PROBLEM_SHARE", "1")
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = _v2_tables()
    tables[table][0] = tables[table][0] | row
    write_drop(landing, "2013-07-14", tables)
    load_new_drops(landing, work)
    rule = {"uasc": "not-a-flag", "authorisation_date": "end-before-start"}.get(
        column, "not-in-code-list")
    assert _raw(work, """select source_file, row_number, column_name, rule, value
                         from meta.record_problems""") == [
        (f"2013-07-14/raise/{table}.csv", 2, column, rule, value)]
    assert _raw(work, f"select count(*), count({column}) from raw.{table}")[0][1] == (
        len(tables[table]) - 1)


def test_a_file_holding_some_v2_columns_must_hold_all(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    drop = write_drop(landing, "2013-07-14", _v2_tables())
    path = drop / "raise/cla_episodes.csv"
    lines = [",".join(line.split(",")[:-1]) for line in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")  # placement_urn left out
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    assert [(p.file, p.rule, p.column) for p in caught.value.problems] == [
        ("2013-07-14/raise/cla_episodes.csv", "missing-column", "placement_urn")]


def test_a_work_file_made_before_v2_gains_the_new_columns(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    v1 = _v1_tables()
    write_drop(landing, "2013-07-14", v1, version=1)
    load_new_drops(landing, work)
    with duckdb.connect(str(work)) as con:  # as the work file of a warehouse before v2
        for name, columns in V2_COLUMNS.items():
            for column in columns:
                con.execute(f'alter table raw.{name} drop column "{column}"')
    prepare_work_db(work)
    write_drop(landing, "2013-08-14", _v2_tables())
    result = load_new_drops(landing, work)
    assert result.record_problems == {}
    assert _raw(work, """select _valid_from::varchar, placement_urn from raw.cla_episodes
                         order by 1""") == [("2013-07-14", None), ("2013-08-14", "XXXXXXX")]
