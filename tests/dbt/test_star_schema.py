"""The star schema a BI developer joins (marts.dim_*, marts.fct_*), built by real dbt from
the hand-made drops in star_landing.py: latest versions, pseudonymous children with no
direct identifiers, working days, SSDA903 flags, every column described, and the key and
relationship tests failing when a key is broken."""

from __future__ import annotations

import hashlib
import os
from datetime import date
from pathlib import Path

import duckdb
import yaml
from conftest import STAR_MODELS
from star_landing import DIRECT_IDENTIFIERS, PERSONS

from csc.build import dbt_invoke
from csc.config import PROJECT_DIR
from csc.pseudonym import DEMO_KEY

STAR_YML = PROJECT_DIR / "models" / "marts" / "_star__models.yml"


def child_key(la_code: str, person_id: str) -> str:
    return hashlib.sha256(f"{DEMO_KEY}|{la_code}|{person_id}".encode()).hexdigest()


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_facts_hold_the_version_in_force_in_the_latest_extract(star_work_db):
    contacts = {r[0]: r[1:] for r in rows(star_work_db, """
        select contact_key, outcome, decision_date, is_awaiting_decision, working_days_to_decision
        from marts.fct_contacts""")}
    # C3 was undecided in the first drop and decided in the latest; C4 was deleted.
    assert contacts["808:C3"] == ("closed_logged", date(2014, 1, 15), False, 15)
    assert "808:C4" not in contacts
    assert contacts["808:C2"] == (None, None, True, None)
    # Contact ids are scoped by LA: 805's C1 is another contact.
    assert {"808:C1", "805:C1"} <= set(contacts)
    # W1 moved from team T1 to T2 in the latest drop.
    assert rows(star_work_db, "select team_key from marts.dim_workers where worker_id = 'W1'") \
        == [("808:T2",)]


def test_children_are_pseudonymous_and_hold_no_direct_identifiers(star_work_db):
    children = {r[0]: r[1:] for r in rows(star_work_db, """
        select child_key, la_code, year_of_birth, age_at_latest_extract, age_band
        from marts.dim_children""")}
    # Born 29 February 2000: 14 on 14 April 2014. Born 1 April 2014: under 1. No DOB: Unknown.
    assert children[child_key("808", "P1")] == ("808", 2000, 14, "10 to 15")
    assert children[child_key("808", "P2")] == ("808", 2014, 0, "Under 1")
    assert children[child_key("808", "P4")] == ("808", None, None, "Unknown")
    assert children[child_key("805", "P1")] == ("805", 1995, 18, "18 and over")

    person_ids = {p["person_id"] for p in PERSONS}
    with duckdb.connect(str(star_work_db), read_only=True) as con:
        columns = con.execute("""
            select table_name, column_name, data_type from information_schema.columns
            where table_schema = 'marts' and (table_name like 'dim%' or table_name like 'fct%')
        """).fetchall()
        assert {t for t, _, _ in columns} == set(STAR_MODELS)
        for table, column, data_type in columns:
            assert column not in {"person_id", "forename", "surname", "date_of_birth",
                                  "postcode", "upn", "raise_person_id", "caf_child_id"}, \
                f"marts.{table}.{column} is a direct identifier"
            if data_type == "VARCHAR":
                values = {v for (v,) in con.execute(
                    f'select distinct "{column}" from marts.{table}').fetchall()}
                leaked = values & (DIRECT_IDENTIFIERS | person_ids)
                assert not leaked, f"marts.{table}.{column} holds {leaked}"


def test_working_days_and_clock_starts_in_the_facts(star_work_db):
    # Referral Fri 1 June 2012, initial assessment completed Fri 8 June: the 4th and 5th
    # were bank holidays (jubilee), so 3 working days.
    assert rows(star_work_db, """
        select working_days_referral_to_completion, working_days_start_to_completion
        from marts.fct_assessments where assessment_id = 'A1'""") == [(3, 3)]
    # S47 started Wed 6 June 2012, ICPC Wed 27 June: 15 working days.
    assert rows(star_work_db, """
        select working_days_from_s47_start, is_transfer_in from marts.fct_cp_conferences
        where conference_id = 'CC1'""") == [(15, False)]
    assert rows(star_work_db, """
        select is_transfer_in from marts.fct_cp_conferences where conference_id = 'CC3'""") \
        == [(True,)]


def test_care_episode_flags_follow_the_reason_for_new_episode(star_work_db):
    assert rows(star_work_db, """
        select episode_id, reason_new_episode, is_placement_change, starts_period_of_care
        from marts.fct_care_episodes order by start_date""") == [
        ("E1", "S", True, True), ("E2", "L", False, False), ("E3", "P", True, False)]


def test_cafs_link_to_raise_children_only_when_the_person_exists(star_work_db):
    got = dict(rows(star_work_db, "select caf_id, child_key from marts.fct_cafs"))
    assert got == {"F1": child_key("808", "P1"), "F2": None, "F3": None}
    agencies = rows(star_work_db, """
        select agency_key, cin_referral_source_code from marts.dim_agencies order by 1""")
    assert ("caf_initiating_agency:NEPACS", None) in agencies
    assert ("contact_referrer:Health - Health Visitor", "3B") in agencies


def test_every_star_column_is_described_and_exists(star_work_db):
    documented = {m["name"]: {c["name"] for c in m["columns"] if c.get("description")}
                  for m in yaml.safe_load(STAR_YML.read_text())["models"]}
    assert set(documented) == set(STAR_MODELS)
    built: dict[str, set[str]] = {}
    for table, column in rows(star_work_db, """
            select table_name, column_name from information_schema.columns
            where table_schema = 'marts'"""):
        built.setdefault(table, set()).add(column)
    for model in STAR_MODELS:
        assert built[model] == documented[model], model


def test_star_models_are_tables_in_marts(star_work_db):
    kinds = dict(rows(star_work_db, """
        select table_name, table_type from information_schema.tables
        where table_schema = 'marts'"""))
    assert all(kinds[m] == "BASE TABLE" for m in STAR_MODELS)


def test_broken_keys_fail_the_generic_tests(star_work_db, tmp_path):
    """Break a copy: a duplicate contact key, a child missing from dim_children, a team
    missing from dim_teams, a date outside dim_dates: each generic test sees it."""
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(star_work_db.read_bytes())
    with duckdb.connect(str(broken)) as con:
        con.execute("insert into marts.fct_contacts select * from marts.fct_contacts "
                    "where contact_key = '808:C1'")
        con.execute("update marts.fct_referrals set child_key = 'not-a-child'")
        con.execute("update marts.fct_assessments set team_key = '808:NOPE'")
        con.execute("update marts.fct_cp_plans set start_date = date '1999-01-01' "
                    "where cp_plan_id = 'CP1'")
    result = dbt_invoke(["test", "--select", "fct_contacts", "fct_referrals", "fct_assessments",
                         "fct_cp_plans"], broken)
    status = {r.node.name: str(r.status) for r in result.result}
    assert status["unique_fct_contacts_contact_key"] == "fail"
    assert status["relationships_fct_referrals_child_key__child_key__ref_dim_children_"] == "fail"
    assert status["relationships_fct_assessments_team_key__team_key__ref_dim_teams_"] == "fail"
    date_test = [n for n in status if n.startswith("relationships_fct_cp_plans_start_date")]
    assert [status[n] for n in date_test] == ["warn"]
    # ... and nothing else broke.
    assert sum(s == "fail" for s in status.values()) == 3


def test_dbt_docs_generate_works(star_work_db, tmp_path):
    copy = tmp_path / "docs.duckdb"
    copy.write_bytes(star_work_db.read_bytes())
    result = dbt_invoke(["docs", "generate"], copy)
    assert result.success, result.exception
    # where dbt wrote it: DBT_TARGET_PATH (one folder per pytest-xdist worker) or target/
    target = PROJECT_DIR / os.environ.get("DBT_TARGET_PATH", "target")
    catalog = (target / "catalog.json").read_text()
    for model in STAR_MODELS:
        assert f"model.csc.{model}" in catalog, model


def test_a_missing_required_staging_value_fails_the_not_null_test(star_work_db, tmp_path):
    """Staging checks its required columns with one not_null_columns test per model: a
    contact with no contact_date in the raw history (every version of it) fails it (and only it)."""
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(star_work_db.read_bytes())
    with duckdb.connect(str(broken)) as con:
        emptied = con.execute("update raw.contacts set contact_date = null "
                              "where la_code = '808' and contact_id = 'C1'").fetchone()[0]
    result = dbt_invoke(["test", "--select", "stg_raise__contacts"], broken)
    status = {r.node.name: str(r.status) for r in result.result}
    failed = [name for name, s in status.items() if s == "fail"]
    assert failed == [n for n in status if n.startswith("not_null_columns_stg_raise__contacts")]
    assert len(failed) == 1
    failing_rows = [r.failures for r in result.result if r.node.name == failed[0]]
    assert emptied >= 1 and failing_rows == [emptied]
