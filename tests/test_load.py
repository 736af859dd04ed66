"""The raw history: versions, snapshots as at any extract date, idempotent reloads."""

import csv
from pathlib import Path

import duckdb
import pytest

from csc.contract import load_contract
from csc.load import DropRejected, load_new_drops


def write_drop(landing: Path, extract_date: str, contacts: list[list[str]],
               persons: list[list[str]]) -> None:
    contract = load_contract()
    for table in contract.required_tables():
        path = landing / extract_date / table.relative_path
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = {"contacts": contacts, "persons": persons}.get(table.name, [])
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(table.column_names)
            writer.writerows(rows)


def person(pid: str) -> list[str]:
    return ["808", pid, "Ann", "Smith", "2005-01-01", "F", "WBRI", "TS18 1AA", "", ""]


def contact(cid: str, pid: str, outcome: str) -> list[str]:
    return ["808", cid, pid, "2013-05-01", "Police", "6", "2013-05-02", outcome, "T1", "W1"]


def snapshot(con, as_at: str) -> set[tuple]:
    return set(con.execute(
        """select contact_id, outcome from raw.contacts
           where _valid_from <= ?::date and (_valid_to is null or _valid_to > ?::date)""",
        [as_at, as_at]).fetchall())


def test_history_reconstructs_every_extract_date(tmp_path):
    landing, work = tmp_path / "landing", tmp_path / "work.duckdb"
    people = [person("007"), person("008")]
    drops = {
        "2013-07-14": [contact("C1", "007", "referral"), contact("C2", "008", "closed_logged")],
        # C1 changes, C2 disappears
        "2013-10-14": [contact("C1", "007", "closed_logged")],
        # C2 reappears unchanged, C3 is new
        "2014-01-14": [contact("C1", "007", "closed_logged"), contact("C2", "008", "closed_logged"),
                       contact("C3", "008", "referral")],
    }
    for extract_date, contacts in drops.items():
        write_drop(landing, extract_date, contacts, people)
    result = load_new_drops(landing, work)
    assert result.drops_loaded == list(drops)

    with duckdb.connect(str(work), read_only=True) as con:
        for extract_date, contacts in drops.items():
            assert snapshot(con, extract_date) == {(c[1], c[7]) for c in contacts}
        # Storage grows with change: 2 + 1 changed + 2 (reappeared, new) versions, not 6 rows.
        assert con.execute("select count(*) from raw.contacts").fetchone()[0] == 5
        # ids with leading zeros stay text
        assert con.execute("select min(person_id) from raw.persons").fetchone()[0] == "007"


def test_loading_again_is_a_no_op(tmp_path):
    landing, work = tmp_path / "landing", tmp_path / "work.duckdb"
    write_drop(landing, "2013-07-14", [contact("C1", "1", "referral")], [person("1")])
    assert load_new_drops(landing, work).drops_loaded == ["2013-07-14"]
    again = load_new_drops(landing, work)
    assert again.drops_loaded == [] and again.rows_read == 0
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("select count(*) from raw.contacts").fetchone()[0] == 1


def test_a_drop_missing_a_file_loads_nothing(tmp_path):
    landing, work = tmp_path / "landing", tmp_path / "work.duckdb"
    write_drop(landing, "2013-07-14", [contact("C1", "1", "referral")], [person("1")])
    (landing / "2013-07-14" / "raise" / "referrals.csv").unlink()
    with pytest.raises(DropRejected, match="referrals.csv: missing file"):
        load_new_drops(landing, work)
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("select count(*) from raw.contacts").fetchone()[0] == 0
        assert con.execute("select count(*) from meta.loaded_drops").fetchone()[0] == 0
