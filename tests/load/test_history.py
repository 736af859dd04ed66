"""The raw history: versions, snapshots as at any extract date, deletions, idempotent reloads,
and the manifest refusing to rewrite history."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest

from csc.contract import load_contract
from csc.load import DropRejected, LoadedDropChanged, load_new_drops
from csc.workdb import prepare_work_db

from .drops import base_tables, contact, history_fingerprint, person, write_drop

CONTACT_COLUMNS = load_contract().table("contacts").column_names


def snapshot(con: duckdb.DuckDBPyConnection, table: str, as_at: str) -> set[tuple]:
    """The table exactly as it stood on `as_at`, rebuilt from the versions."""
    cols = ", ".join(f'"{c}"' for c in load_contract().table(table).column_names)
    return set(con.execute(
        f"""select {cols} from raw.{table}
            where _valid_from <= ?::date and (_valid_to is null or _valid_to > ?::date)""",
        [as_at, as_at]).fetchall())


def as_tuples(rows: list[dict[str, str]], table: str) -> set[tuple]:
    names = load_contract().table(table).column_names
    return {tuple(r.get(c) or None for c in names) for r in rows}


def three_drops() -> dict[str, dict[str, list[dict[str, str]]]]:
    people = [person("007"), person("008", forename="Ben", sex="M")]
    base = base_tables()
    first = base | {"persons": people,
                    "contacts": [contact("C1", "007"), contact("C2", "008", "closed_logged")]}
    # C1 changes outcome, C2 disappears (deleted in the source), 008 moves house
    second = base | {"persons": [people[0], person("008", forename="Ben", sex="M",
                                                   postcode="TS19 9ZZ")],
                     "contacts": [contact("C1", "007", "closed_logged")]}
    # C2 reappears exactly as it was, C3 is new, C1 unchanged
    third = base | {"persons": second["persons"],
                    "contacts": [contact("C1", "007", "closed_logged"),
                                 contact("C2", "008", "closed_logged"),
                                 contact("C3", "008", "referral", contact_date="2013-12-02",
                                         decision_date="2013-12-03")]}
    return {"2013-07-14": first, "2013-10-14": second, "2014-01-14": third}


def test_history_reconstructs_every_extract_date(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    drops = three_drops()
    for extract_date, tables in drops.items():
        write_drop(landing, extract_date, tables)
    result = load_new_drops(landing, work)
    assert result.drops_loaded == list(drops)
    assert result.records_deleted == 1

    with duckdb.connect(str(work), read_only=True) as con:
        for extract_date, tables in drops.items():
            for table in ("contacts", "persons", "referrals"):
                assert snapshot(con, table, extract_date) == as_tuples(tables[table], table)
        # Between drops the data is as at the earlier drop.
        assert snapshot(con, "contacts", "2013-12-31") == as_tuples(
            drops["2013-10-14"]["contacts"], "contacts")
        # Storage grows with change: 2 + 1 changed + 2 (reappeared, new) versions, not 6 rows.
        assert con.execute("select count(*) from raw.contacts").fetchone()[0] == 5
        assert con.execute("select count(*) from raw.persons").fetchone()[0] == 3
        assert con.execute("select count(*) from raw.referrals").fetchone()[0] == 1
        # The deletion is queryable: from the meta table, and from raw alone as a closed
        # version with no successor starting the day it closed.
        assert con.execute(
            "select table_name, record_key, deleted_on::varchar from meta.record_deletions"
        ).fetchall() == [("contacts", "808|C2", "2013-10-14")]
        assert con.execute(
            """select contact_id, _valid_to::varchar from raw.contacts r
               where _valid_to is not null and not exists (
                 select 1 from raw.contacts n
                 where n._record_key = r._record_key and n._valid_from = r._valid_to)"""
        ).fetchall() == [("C2", "2013-10-14")]
        # Where each version came from.
        assert con.execute(
            """select _source_file, _row_number from raw.contacts
               where contact_id = 'C3'""").fetchall() == [("2014-01-14/raise/contacts.csv", 4)]
        counts = con.execute(
            """select extract_date::varchar, versions_added, versions_closed, records_deleted
               from meta.loaded_files where table_name = 'contacts' order by 1""").fetchall()
        assert counts == [("2013-07-14", 2, 0, 0), ("2013-10-14", 1, 2, 1),
                          ("2014-01-14", 2, 0, 0)]
        # ids with leading zeros stay text
        assert con.execute("select min(person_id) from raw.persons").fetchone()[0] == "007"


def test_loading_again_is_a_no_op(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    assert load_new_drops(landing, work).drops_loaded == ["2013-07-14"]
    before = history_fingerprint(work)
    again = load_new_drops(landing, work)
    assert again.drops_loaded == [] and again.rows_read == 0
    assert history_fingerprint(work) == before


def test_drops_load_one_run_at_a_time_in_order(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    drops = three_drops()
    dates = list(drops)
    write_drop(landing, dates[0], drops[dates[0]])
    load_new_drops(landing, work)
    for extract_date in dates[1:]:
        write_drop(landing, extract_date, drops[extract_date])
    assert load_new_drops(landing, work).drops_loaded == dates[1:]
    with duckdb.connect(str(work), read_only=True) as con:
        assert snapshot(con, "contacts", dates[1]) == as_tuples(drops[dates[1]]["contacts"],
                                                               "contacts")


def test_a_loaded_file_that_changed_is_refused_naming_both_checksums(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    load_new_drops(landing, work)
    before = history_fingerprint(work)
    with duckdb.connect(str(work), read_only=True) as con:
        old = con.execute("select sha256 from meta.loaded_files where table_name = 'contacts'"
                          ).fetchone()[0]
    contacts = landing / "2013-07-14" / "raise" / "contacts.csv"
    as_loaded = contacts.read_bytes()
    contacts.write_text(contacts.read_text().replace("closed_logged", "referral"))
    write_drop(landing, "2013-10-14", base_tables())  # a good new drop waits behind it
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    message = str(caught.value)
    assert isinstance(caught.value, LoadedDropChanged)
    assert message.startswith("files of already-loaded drop(s) changed in the landing folder")
    assert "2013-07-14/raise/contacts.csv: file changed after its drop was loaded" in message
    assert old in message and caught.value.problems[0].rule == "changed-after-load"
    from csc.load import file_checksum
    assert file_checksum(contacts) in message
    assert history_fingerprint(work) == before

    # Touching a file without changing its bytes is not a change.
    contacts.write_bytes(as_loaded)
    os.utime(contacts, ns=(1, 1))
    assert load_new_drops(landing, work).drops_loaded == ["2013-10-14"]


def test_a_file_added_to_a_loaded_drop_is_refused(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    population = tables.pop("child_population")
    write_drop(landing, "2013-07-14", tables)
    load_new_drops(landing, work)
    write_drop(landing, "2013-07-14", tables | {"child_population": population})
    with pytest.raises(DropRejected, match=r"reference/child_population.csv: file added after"):
        load_new_drops(landing, work)


def test_a_loaded_drop_removed_from_landing_is_fine(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    load_new_drops(landing, work)
    (landing / "2013-07-14").rename(tmp_path / "archived")
    write_drop(landing, "2013-10-14", base_tables())
    assert load_new_drops(landing, work).drops_loaded == ["2013-10-14"]


def test_a_drop_older_than_the_newest_loaded_is_refused(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-10-14", base_tables())
    load_new_drops(landing, work)
    before = history_fingerprint(work)
    write_drop(landing, "2013-07-14", base_tables())
    write_drop(landing, "2014-01-14", base_tables())
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    problem = caught.value.problems[0]
    assert problem.rule == "older-than-loaded"
    assert "drop 2013-10-14 is already loaded and history cannot be rewritten" in str(problem)
    # Stop at the first bad drop: the later good one waits, history unchanged.
    assert history_fingerprint(work) == before
    assert (landing / "2013-07-14.quarantine.txt").is_file()
    (landing / "2013-07-14").rename(tmp_path / "stale")
    assert load_new_drops(landing, work).drops_loaded == ["2014-01-14"]


def test_a_folder_named_like_an_impossible_date_is_refused(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-02-30", base_tables())
    with pytest.raises(DropRejected, match=r"2013-02-30/: drop folder is not named by a real"):
        load_new_drops(landing, work)


def test_a_quarantined_drop_loads_once_fixed_and_later_drops_wait(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    load_new_drops(landing, work)
    before = history_fingerprint(work)

    bad = base_tables()
    bad["contacts"][1]["contact_date"] = "2013-02-31"
    write_drop(landing, "2013-10-14", bad)
    write_drop(landing, "2014-01-14", base_tables())
    for _ in range(2):  # refused again on the next run while unfixed
        with pytest.raises(DropRejected, match="impossible date"):
            load_new_drops(landing, work)
    assert history_fingerprint(work) == before
    report = landing / "2013-10-14.quarantine.txt"
    assert "2013-10-14/raise/contacts.csv row 3, column contact_date" in report.read_text()
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute(
            """select count(*), count(released_at) from meta.quarantined_drops""").fetchone() \
            == (2, 0)
        assert con.execute(
            """select distinct source_file, row_number, column_name, value, rule
               from meta.quarantine_problems order by rule""").fetchall() == [
            ("2013-10-14/raise/contacts.csv", 3, "contact_date", "2013-02-31",
             "impossible-date"),
            # since record-level problems load: refused because it is 1 of the file's 2 rows
            ("2013-10-14/raise/contacts.csv", None, None, None, "too-many-problems")]

    write_drop(landing, "2013-10-14", base_tables())  # the fixed export
    assert load_new_drops(landing, work).drops_loaded == ["2013-10-14", "2014-01-14"]
    assert not report.exists()
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute(
            "select count(*) from meta.quarantined_drops where released_at is null"
        ).fetchone()[0] == 0


def test_report_goes_to_the_quarantine_folder_when_landing_is_read_only(tmp_path: Path
                                                                         ) -> None:
    if os.geteuid() == 0:
        pytest.skip("root can write to a read-only folder")
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "wh" / "work.duckdb")
    bad = base_tables()
    bad["persons"][0]["sex"] = "X"
    write_drop(landing, "2013-07-14", bad)
    landing.chmod(0o555)
    try:
        with pytest.raises(DropRejected):
            load_new_drops(landing, work)
    finally:
        landing.chmod(0o755)
    assert (tmp_path / "wh" / "quarantine" / "2013-07-14.quarantine.txt").is_file()


def test_report_falls_back_to_quarantine_folder(tmp_path: Path) -> None:
    """Proved even when the tests run as root: the report cannot be written beside the drop
    (a folder is in the way), so it goes to the warehouse's quarantine folder."""
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "wh" / "work.duckdb")
    bad = base_tables()
    bad["persons"][0]["sex"] = "X"
    write_drop(landing, "2013-07-14", bad)
    (landing / "2013-07-14.quarantine.txt").mkdir()
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    target = tmp_path / "wh" / "quarantine" / "2013-07-14.quarantine.txt"
    assert caught.value.report == str(target)
    assert "persons.csv row 2, column sex" in target.read_text()


def test_absent_optional_file_keeps_its_records_and_header_only_file_deletes(tmp_path: Path
                                                                            ) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    write_drop(landing, "2013-07-14", base_tables())
    second = base_tables()
    del second["child_population"]  # optional reference table not delivered: no news
    second["referrals"] = []  # delivered with its header only: the referral was deleted
    second["contacts"] = [contact("C1", "007"), contact("C2", "008", "closed_logged")]
    write_drop(landing, "2013-10-14", second)
    load_new_drops(landing, work)
    with duckdb.connect(str(work), read_only=True) as con:
        assert snapshot(con, "child_population", "2013-10-14") == as_tuples(
            base_tables()["child_population"], "child_population")
        assert snapshot(con, "referrals", "2013-07-14") != set()
        assert snapshot(con, "referrals", "2013-10-14") == set()
        assert con.execute(
            "select table_name, record_key, deleted_on::varchar from meta.record_deletions"
        ).fetchall() == [("referrals", "808|R1", "2013-10-14")]
