"""SSD drops load as strictly as RAISE/CAF ones: generated drops of each variant load with
no problem, a missing required file or column refuses the drop naming both, a bad datetime
or code in one record is loaded and flagged, and history keeps each version of a changed
record by extract date."""

from __future__ import annotations

import csv
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from csc.load import DropRejected, load_new_drops
from csc.ssd_contract import landing_source, load_ssd_contract, ssd_column_names
from csc.workdb import prepare_work_db

CONTRACT = load_ssd_contract()
SSD_TABLES = [t for t in CONTRACT.tables.values() if t.system == "ssd"]


def _work(tmp_path: Path) -> Path:
    return prepare_work_db(tmp_path / "work" / "csc.work.duckdb")


def _one_drop(ssd_landing: Path, tmp_path: Path, n: int = 1) -> tuple[Path, list[str]]:
    """A landing holding a copy of the first `n` drops of a generated SSD landing."""
    landing = tmp_path / "landing"
    dates = sorted(p.name for p in ssd_landing.iterdir())[:n]
    for d in dates:
        shutil.copytree(ssd_landing / d, landing / d)
    return landing, dates


def _rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: r[k] for k in header} for r in rows)


def test_the_contract_lists_the_ssd_tables_the_warehouse_needs():
    assert {t.name for t in SSD_TABLES} == {
        "ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments",
        "ssd_s47_enquiry", "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cp_reviews",
        "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status", "ssd_cla_reviews",
        "ssd_care_leavers", "ssd_early_help_episodes", "ssd_professionals",
        "ssd_department", "ssd_involvements"}
    for table in SSD_TABLES:
        assert table.column_names[0] == "la_code" and table.key[0] == "la_code"
        assert table.relative_path == f"ssd/{table.name}.csv"
        # a column some variant lacks is never required
        assert not [c for c in table.columns if c.variants and c.required]
    mosaic = ssd_column_names(CONTRACT.table("ssd_contacts"), "mosaic")
    assert "cont_contact_source_code" not in mosaic and "cont_contact_date" in mosaic


@pytest.mark.parametrize("variant", ["lcs", "mosaic"])
def test_a_generated_ssd_drop_of_each_variant_loads_with_no_problem(
        variant, ssd_landings, tmp_path):
    landing = ssd_landings[variant]
    work = _work(tmp_path)
    result = load_new_drops(landing, work)
    assert result.drops_loaded == sorted(p.name for p in landing.iterdir())
    assert result.record_problems == {}
    header, _ = _rows(landing / result.drops_loaded[0] / "ssd" / "ssd_contacts.csv")
    assert ("cont_contact_source_code" in header) == (variant == "lcs")
    with duckdb.connect(str(work), read_only=True) as con:
        for table in SSD_TABLES:
            n = con.execute(f"select count(*) from raw.{table.name}").fetchone()[0]
            assert n > 0, table.name
        assert con.execute("select count(*) from raw.contacts").fetchone()[0] == 0
        # a column the variant lacks is loaded empty
        sourced = con.execute("select count(cont_contact_source_code) from raw.ssd_contacts"
                              ).fetchone()[0]
        assert (sourced > 0) == (variant == "lcs")
        assert con.execute("select count(*) from meta.record_problems").fetchone()[0] == 0


def test_a_missing_required_column_refuses_the_drop_naming_file_and_column(
        ssd_landings, tmp_path):
    landing, (first,) = _one_drop(ssd_landings["lcs"], tmp_path)
    path = landing / first / "ssd" / "ssd_cin_episodes.csv"
    header, rows = _rows(path)
    _write(path, [h for h in header if h != "cine_referral_date"], rows)
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, _work(tmp_path))
    problems = [p for p in caught.value.problems if p.rule == "missing-column"]
    assert [(p.file, p.column) for p in problems] == [
        (f"{first}/ssd/ssd_cin_episodes.csv", "cine_referral_date")]
    assert f"{first}/ssd/ssd_cin_episodes.csv row 1, column cine_referral_date: missing column" \
        in str(caught.value)


def test_a_column_only_one_variant_has_may_be_absent_but_not_unknown(ssd_landings, tmp_path):
    landing, (first,) = _one_drop(ssd_landings["lcs"], tmp_path)
    path = landing / first / "ssd" / "ssd_involvements.csv"
    header, rows = _rows(path)
    _write(path, [h for h in header if h != "invo_person_id"], rows)  # Mosaic lacks it
    renamed = landing / first / "ssd" / "ssd_cp_plans.csv"
    header, rows = _rows(renamed)
    _write(renamed, ["cppl_plan_start" if h == "cppl_cp_plan_start_date" else h for h in header],
           [{("cppl_plan_start" if k == "cppl_cp_plan_start_date" else k): v
             for k, v in r.items()} for r in rows])
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, _work(tmp_path))
    found = {(p.file.split("/")[-1], p.rule, p.column) for p in caught.value.problems}
    assert found == {("ssd_cp_plans.csv", "unknown-column", "cppl_plan_start"),
                     ("ssd_cp_plans.csv", "missing-column", "cppl_cp_plan_start_date")}


def test_a_missing_required_file_refuses_the_drop(ssd_landings, tmp_path):
    landing, (first,) = _one_drop(ssd_landings["mosaic"], tmp_path)
    (landing / first / "ssd" / "ssd_cp_plans.csv").unlink()
    work = _work(tmp_path)
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    assert [(p.file, p.rule) for p in caught.value.problems if p.structural] == [
        (f"{first}/ssd/ssd_cp_plans.csv", "missing-file")]
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("select count(*) from raw.ssd_person").fetchone()[0] == 0
        assert con.execute("select count(*) from meta.loaded_drops").fetchone()[0] == 0


def test_a_bad_datetime_and_a_bad_code_load_flagged_and_the_records_are_kept(
        ssd_landings, tmp_path):
    landing, (first,) = _one_drop(ssd_landings["lcs"], tmp_path)
    contacts = landing / first / "ssd" / "ssd_contacts.csv"
    header, rows = _rows(contacts)
    rows[3]["cont_contact_date"] = "2012-06-31 10:00:00.000"     # no 31 June
    rows[4]["cont_contact_date"] = "14/06/2012 10:00"           # a local-culture datetime
    rows[5]["cont_contact_date"] = rows[5]["cont_contact_date"][:10]  # date only: fine
    bad_contacts = {rows[3]["cont_contact_id"]: "impossible-date",
                    rows[4]["cont_contact_id"]: "dmy-date"}
    la = rows[3]["la_code"]
    assert rows[4]["la_code"] == la
    _write(contacts, header, rows)
    episodes = landing / first / "ssd" / "ssd_cin_episodes.csv"
    header, rows = _rows(episodes)
    rows[2]["cine_cin_primary_need_code"] = "N12"
    bad_referral, referral_la = rows[2]["cine_referral_id"], rows[2]["la_code"]
    _write(episodes, header, rows)

    work = _work(tmp_path)
    result = load_new_drops(landing, work)
    assert result.drops_loaded == [first]
    assert result.record_problems == {"impossible-date": 1, "dmy-date": 1,
                                      "not-in-code-list": 1}
    with duckdb.connect(str(work), read_only=True) as con:
        listed = con.execute(
            """select table_name, record_id, column_name, rule, value, source_file, person_id
               from meta.record_problems order by rule""").fetchall()
        kept = con.execute(
            """select cont_contact_id, cont_contact_date, _left_out from raw.ssd_contacts
               where la_code = ? and cont_contact_id in (?, ?)""", [la, *bad_contacts]
        ).fetchall()
        referral = con.execute(
            """select cine_cin_primary_need_code, _left_out from raw.ssd_cin_episodes
               where la_code = ? and cine_referral_id = ?""", [referral_la, bad_referral]
        ).fetchall()
    assert {(r[0], r[1], r[2], r[3]) for r in listed} == {
        *(("ssd_contacts", cid, "cont_contact_date", rule)
          for cid, rule in bad_contacts.items()),
        ("ssd_cin_episodes", bad_referral, "cine_cin_primary_need_code", "not-in-code-list")}
    assert {r[5] for r in listed} == {f"{first}/ssd/ssd_contacts.csv",
                                      f"{first}/ssd/ssd_cin_episodes.csv"}
    assert all(r[6] for r in listed)  # the child is known (for the pseudonymous key)
    # kept, the unusable required datetime stored empty and the record left out of models
    assert sorted(kept) == sorted((cid, None, True) for cid in bad_contacts)
    # a bad code is treated as unknown; the referral stays in
    assert referral == [(None, False)]


def test_history_keeps_two_versions_of_a_record_changed_between_drops(ssd_landings, tmp_path):
    landing, (first,) = _one_drop(ssd_landings["lcs"], tmp_path)
    second = (date.fromisoformat(first) + timedelta(days=28)).isoformat()
    shutil.copytree(landing / first, landing / second)
    path = landing / second / "ssd" / "ssd_cin_episodes.csv"
    header, rows = _rows(path)
    open_ = next(r for r in rows if not r["cine_close_date"])
    open_["cine_close_date"] = f"{first} 00:00:00.000"
    open_["cine_close_reason"] = "RC8"
    _write(path, header, rows)
    work = _work(tmp_path)
    result = load_new_drops(landing, work)
    assert result.drops_loaded == [first, second]
    with duckdb.connect(str(work), read_only=True) as con:
        versions = con.execute(
            """select cine_close_reason, strftime(_valid_from, '%Y-%m-%d'),
                      strftime(_valid_to, '%Y-%m-%d')
               from raw.ssd_cin_episodes where cine_referral_id = ? and la_code = ?
               order by _valid_from""", [open_["cine_referral_id"], open_["la_code"]]
        ).fetchall()
        unchanged = con.execute(
            """select count(*) from raw.ssd_contacts where _valid_to is not null""").fetchone()[0]
    assert versions == [(None, first, second), ("RC8", second, None)]
    assert result.versions_closed == 1 and unchanged == 0


def test_one_source_per_landing(raise_landing, ssd_landings, tmp_path):
    raise_drops, _ = raise_landing
    landing = tmp_path / "landing"
    dates = sorted(p.name for p in raise_drops.iterdir())
    shutil.copytree(raise_drops / dates[0], landing / dates[0])
    shutil.copytree(ssd_landings["lcs"] / dates[1], landing / dates[1])
    assert landing_source(landing, []) == "raise"
    work = _work(tmp_path)
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    assert caught.value.extract_date == dates[1]
    rules = {p.rule for p in caught.value.problems}
    assert rules == {"missing-file", "unexpected-file"}
    assert any(p.file == f"{dates[1]}/ssd/ssd_person.csv" and p.rule == "unexpected-file"
               for p in caught.value.problems)
    # an SSD landing decides by its files: loaded ones first, else its oldest drop
    assert landing_source(ssd_landings["mosaic"], []) == "ssd"
    assert landing_source(landing, [f"{dates[0]}/ssd/ssd_person.csv"]) == "ssd"
