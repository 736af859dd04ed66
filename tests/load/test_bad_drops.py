"""Every kind of bad drop is refused with a message naming file, row, column, value and rule,
is quarantined with a report beside it, and leaves the history exactly as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from csc.load import DropRejected, Problem, load_new_drops
from csc.workdb import prepare_work_db

from .corpus import BAD_DATE, CORPUS, BadDrop
from .drops import base_tables, contact, history_fingerprint, write_drop

GOOD_DATE = "2013-07-14"


@pytest.fixture(scope="module")
def loaded_once(tmp_path_factory) -> tuple[Path, Path, str]:
    """A landing folder and work database holding one good drop (made once, copied)."""
    root = tmp_path_factory.mktemp("loaded-once")
    landing, work = root / "landing", prepare_work_db(root / "work.duckdb")
    write_drop(landing, GOOD_DATE, base_tables())
    load_new_drops(landing, work)
    return landing, work, history_fingerprint(work)


def test_the_corpus_has_one_bad_drop_per_kind() -> None:
    assert len(CORPUS) >= 15
    assert len({bad.kind for bad in CORPUS}) == len(CORPUS)


@pytest.mark.parametrize("bad", CORPUS, ids=[b.kind for b in CORPUS])
def test_bad_drop_is_refused_and_history_unchanged(bad: BadDrop, loaded_once, tmp_path: Path
                                                    ) -> None:
    template_landing, template_work, before = loaded_once
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    shutil.copytree(template_landing, landing)
    shutil.copy(template_work, work)
    bad.write(landing)

    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    rejected = caught.value
    file = f"{BAD_DATE}/{bad.file}"
    found = [p for p in rejected.problems if p.rule == bad.rule and p.file == file]
    assert found, f"no {bad.rule} problem for {file} in:\n{rejected}"
    problem: Problem = found[0]
    # One problem per row and rule: not one per retry of the reader.
    keys = [(p.file, p.row, p.column, p.rule) for p in rejected.problems]
    assert len(keys) == len(set(keys))
    if bad.row is not None and bad.rule in ("truncated-file", "ragged-row", "broken-quoting"):
        assert [p.rule for p in rejected.problems if (p.file, p.row) == (file, bad.row)] == [
            bad.rule]
    assert (problem.row, problem.column) == (bad.row, bad.column)
    if bad.value is not None:
        assert problem.value == bad.value

    # The message says it all: file, row, column, value, rule, and what is wrong.
    message = str(rejected)
    where = file
    if bad.row is not None:
        where += f" row {bad.row}"
    if bad.column is not None:
        where += f"{',' if bad.row is not None else ''} column {bad.column}"
    line = next(m for m in message.splitlines() if m.strip().startswith(where + ":")
                and f"[{bad.rule}]" in m)
    assert bad.says in line
    if bad.value is not None and problem.sensitive:
        # Personal data stays in the landing folder: withheld from the error message,
        # which goes to logs and the published run log.
        assert bad.value not in message and "value withheld (personal data" in line
    elif bad.value is not None:
        assert repr(bad.value) in line

    # Nothing of the drop was written; it is quarantined with a readable report beside it.
    assert history_fingerprint(work) == before
    report = landing / f"{BAD_DATE}.quarantine.txt"
    assert rejected.report == str(report)
    assert f"  - {problem}\n" in report.read_text(encoding="utf-8")
    if bad.value is not None:
        assert repr(bad.value) in report.read_text(encoding="utf-8")
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute(
            """select extract_date, problems from meta.quarantined_drops""").fetchall() == [
            (BAD_DATE, len(rejected.problems))]
        assert con.execute(
            """select count(*) from meta.quarantine_problems
               where rule = ? and source_file = ?""", [bad.rule, file]).fetchone()[0] >= 1


def test_personal_data_is_withheld_from_the_message_but_in_the_report(tmp_path: Path
                                                                      ) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    tables["persons"][0]["date_of_birth"] = "2005-02-30"
    tables["persons"][1]["sex"] = "Q"
    write_drop(landing, GOOD_DATE, tables)
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    message = str(caught.value)
    assert "2005-02-30" not in message and "'Q'" in message
    assert "persons.csv row 2, column date_of_birth: impossible date" in message
    assert "'2005-02-30'" in Path(caught.value.report).read_text(encoding="utf-8")


def test_files_that_are_valid_but_unusual_load_exactly(tmp_path: Path) -> None:
    """Not every oddity is an error: CRLF line ends, columns in another order, quoted values
    holding commas, quotes and newlines, no final newline, ids with leading zeros."""
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    tables["persons"][1] |= {"surname": 'O"Neill, Jr', "postcode": "TS18\n1AA",
                             "forename": "Zoë"}
    drop = write_drop(landing, GOOD_DATE, tables)
    persons = drop / "raise" / "persons.csv"
    # every line end becomes CRLF, the one inside the quoted postcode too (kept as sent)
    lines = persons.read_text(encoding="utf-8").split("\n")
    persons.write_text("\r\n".join(lines).rstrip("\r\n"), encoding="utf-8")
    contacts = drop / "raise" / "contacts.csv"
    import csv
    rows = list(csv.reader(contacts.open(encoding="utf-8")))
    with contacts.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([list(reversed(r)) for r in rows])

    assert load_new_drops(landing, work).drops_loaded == [GOOD_DATE]
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute(
            """select person_id, forename, surname, postcode, _row_number from raw.persons
               order by person_id""").fetchall() == [
            ("007", "Ann", "Smith", "TS18 1AA", 2), ("008", "Zoë", 'O"Neill, Jr', "TS18\r\n1AA", 3)]
        assert con.execute(
            "select contact_id, person_id, outcome from raw.contacts order by 1").fetchall() == [
            ("C1", "007", "referral"), ("C2", "008", "closed_logged")]


def test_a_header_only_parent_file_still_fails_references(tmp_path: Path) -> None:
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    tables["workers"] = []
    write_drop(landing, GOOD_DATE, tables)
    with pytest.raises(DropRejected, match=r"contacts.csv row 2, column worker_id: reference"):
        load_new_drops(landing, work)


def test_every_problem_of_a_file_is_reported_in_one_run(tmp_path: Path) -> None:
    """One run reports all problems (not the first only), with counts for repeated ones."""
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    for row in tables["contacts"]:
        row["contact_date"] = "14/05/2013"
    tables["persons"][0]["sex"] = "X"
    tables["referrals"][0]["referral_nfa"] = "y"
    write_drop(landing, GOOD_DATE, tables)
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    rules = {(p.file.split("/")[-1], p.rule) for p in caught.value.problems}
    # record-level problems in half the rows or more: each file is also too broken
    assert rules == {("contacts.csv", "dmy-date"), ("persons.csv", "not-in-code-list"),
                     ("referrals.csv", "not-a-flag"), ("contacts.csv", "too-many-problems"),
                     ("persons.csv", "too-many-problems"),
                     ("referrals.csv", "too-many-problems")}
    dmy = next(p for p in caught.value.problems if p.rule == "dmy-date")
    assert dmy.rows_affected == 2 and dmy.example_rows == (2, 3)
    assert "[2 rows like this; first rows: 2, 3]" in str(dmy)


def test_a_file_broken_on_every_row_gives_a_short_report(tmp_path: Path) -> None:
    """A wrong delimiter or quoting on every row: the first rows one by one, then a count."""
    landing, work = tmp_path / "landing", prepare_work_db(tmp_path / "work.duckdb")
    tables = base_tables()
    tables["contacts"] = [contact(f"C{i}", "007") for i in range(40)]
    drop = write_drop(landing, GOOD_DATE, tables)
    contacts = drop / "raise" / "contacts.csv"
    contacts.write_text(contacts.read_text().replace(",W1\n", ",W1,x\n"))
    with pytest.raises(DropRejected) as caught:
        load_new_drops(landing, work)
    ragged = [p for p in caught.value.problems if p.rule == "ragged-row"]
    assert [p.row for p in ragged] == [2, 3, 4, 5, 6, 7]
    assert ragged[-1].rows_affected == 35
    assert "35 more rows like this after it" in str(ragged[-1])
