"""The bad-drop corpus: one drop per kind of failure, each the valid base drop broken in one
way, with the problem the loader must report (file, row, column, value, rule).

Built rather than stored, so every bad drop stays valid in every other respect as the
contract grows. To look at the files: `python -m tests.load.corpus OUT_DIR` writes each one
under OUT_DIR/<kind>/<extract_date>/.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .drops import base_tables, contact, person, referral, write_drop

BAD_DATE = "2013-10-14"  # the bad drop comes after a good one dated 2013-07-14
Tables = dict[str, list[dict[str, str]]]


@dataclass(frozen=True)
class BadDrop:
    kind: str  # the corpus entry's name
    rule: str  # the rule code the loader must report
    file: str  # relative to the drop folder
    row: int | None
    column: str | None
    value: str | None
    says: str  # words the message must contain
    tables: Callable[[Tables], None] | None = None  # break the rows before writing
    files: Callable[[Path], None] | None = None  # break the written bytes

    def write(self, landing: Path, extract_date: str = BAD_DATE) -> Path:
        tables = base_tables()
        if self.tables:
            self.tables(tables)
        drop = write_drop(landing, extract_date, tables)
        if self.files:
            self.files(drop)
        return drop


def _edit(relative: str, change: Callable[[bytes], bytes]) -> Callable[[Path], None]:
    def apply(drop: Path) -> None:
        path = drop / relative
        path.write_bytes(change(path.read_bytes()))
    return apply


def _replace(relative: str, old: str, new: str) -> Callable[[Path], None]:
    def change(data: bytes) -> bytes:
        assert old.encode() in data, f"{old!r} not in {relative}"
        return data.replace(old.encode(), new.encode(), 1)
    return _edit(relative, change)


def _drop_column(relative: str, index: int) -> Callable[[Path], None]:
    def change(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        return ("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != index)
                          for line in lines) + "\n").encode()
    return _edit(relative, change)


def _set(table: str, index: int, **values: str) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        tables[table][index] |= values
    return change


def _append(table: str, row: dict[str, str]) -> Callable[[Tables], None]:
    def change(tables: Tables) -> None:
        tables[table].append(row)
    return change


def _delete(relative: str) -> Callable[[Path], None]:
    return lambda drop: (drop / relative).unlink()


CONTACTS, PERSONS = "raise/contacts.csv", "raise/persons.csv"

CORPUS: list[BadDrop] = [
    BadDrop("missing_file", "missing-file", "raise/referrals.csv", None, None, None,
            "the contract requires raise/referrals.csv", files=_delete("raise/referrals.csv")),
    BadDrop("missing_column", "missing-column", CONTACTS, 1, "contact_source", None,
            "the contract's contacts columns are", files=_drop_column(CONTACTS, 4)),
    BadDrop("unknown_column", "unknown-column", CONTACTS, 1, "contact_dte", None,
            "did you mean 'contact_date'?",
            files=_replace(CONTACTS, "contact_date", "contact_dte")),
    BadDrop("duplicate_column", "duplicate-column", CONTACTS, 1, "outcome", None,
            "column named twice", files=_replace(CONTACTS, "decision_date", "outcome")),
    BadDrop("wrong_type_int", "not-an-integer", "reference/child_population.csv", 2, "year",
            "2013/14", "not a whole number", tables=_set("child_population", 0, year="2013/14")),
    BadDrop("wrong_type_flag", "not-a-flag", "raise/referrals.csv", 2, "referral_nfa", "Yes",
            "flag must be Y or N", tables=_set("referrals", 0, referral_nfa="Yes")),
    BadDrop("code_not_in_list", "not-in-code-list", PERSONS, 3, "sex", "m",
            "code list sex: M, F, U; did you mean 'M'?", tables=_set("persons", 1, sex="m")),
    BadDrop("impossible_date", "impossible-date", CONTACTS, 3, "contact_date", "2013-02-31",
            "impossible date", tables=_set("contacts", 1, contact_date="2013-02-31")),
    BadDrop("implausible_year", "implausible-date", PERSONS, 3, "date_of_birth", "1900-01-01",
            "plausible: 1910-01-01 to 2014-10-15",
            tables=_set("persons", 1, date_of_birth="1900-01-01")),
    BadDrop("dmy_date", "dmy-date", CONTACTS, 2, "contact_date", "01/05/2013",
            "DD/MM/YYYY date where ISO YYYY-MM-DD is expected",
            tables=_set("contacts", 0, contact_date="01/05/2013")),
    BadDrop("unparseable_date", "not-a-date", CONTACTS, 2, "decision_date", "2nd May",
            "not a date in the form YYYY-MM-DD",
            tables=_set("contacts", 0, decision_date="2nd May")),
    BadDrop("empty_required_key", "required", CONTACTS, 3, "contact_id", None,
            "required value is empty", tables=_set("contacts", 1, contact_id="")),
    BadDrop("duplicate_primary_key", "duplicate-key", PERSONS, 4, "la_code, person_id",
            "808|007", "2 rows share this key, at rows 2, 4",
            tables=_append("persons", person("007", forename="Anne"))),
    BadDrop("missing_parent", "missing-parent", "raise/referrals.csv", 3, "contact_id", "C9",
            "contact_id 'C9' of LA 808 is not in 2013-10-14/raise/contacts.csv",
            tables=_append("referrals", referral("R2", "C9", "008"))),
    BadDrop("leading_zeros_lost", "missing-parent", CONTACTS, 3, "person_id", "8",
            "it has '008': leading zeros were lost",
            tables=_set("contacts", 1, person_id="8")),
    BadDrop("spreadsheet_id", "spreadsheet-mangled-id", CONTACTS, 4, "contact_id", "1.23E+05",
            "reformatted by a spreadsheet",
            tables=_append("contacts", contact("1.23E+05", "007"))),
    BadDrop("la_code", "la-code", CONTACTS, 3, "la_code", "8O8", "three-digit",
            tables=_set("contacts", 1, la_code="8O8")),
    BadDrop("broken_quoting", "broken-quoting", CONTACTS, 3, "contact_source", None,
            "unterminated quote",
            files=_replace(CONTACTS, "C2,008,2013-05-01,Police", 'C2,008,2013-05-01,"Pol"ice"')),
    BadDrop("ragged_row", "ragged-row", CONTACTS, 3, None, None,
            "Expected Number of Columns: 10 Found: 11",
            files=_replace(CONTACTS, "closed_logged,T1,W1", "closed_logged,T1,W1,extra")),
    BadDrop("truncated_file", "truncated-file", CONTACTS, 3, None, "808,C2,008,2013-05-01,Pol",
            "no final newline: it was cut off",
            files=_edit(CONTACTS, lambda data: data[:data.rindex(b"Police") + 3])),
    BadDrop("empty_file", "empty-file", "raise/workers.csv", None, None, None,
            "0 bytes", files=_edit("raise/workers.csv", lambda data: b"")),
    BadDrop("byte_order_mark", "byte-order-mark", PERSONS, 1, None, None,
            "save as UTF-8 without BOM", files=_edit(PERSONS, lambda d: codecs.BOM_UTF8 + d)),
    BadDrop("windows_1252", "not-utf8", PERSONS, 3, "surname", "O’Neill",
            "looks like a Windows-1252 (Excel/Windows) export",
            tables=_set("persons", 1, surname="O’Neill"),
            files=_edit(PERSONS, lambda d: d.decode("utf-8").encode("cp1252"))),
    BadDrop("utf16", "not-utf8", "raise/workers.csv", 1, None, None,
            "the file is UTF-16 encoded; save it as UTF-8",
            files=_edit("raise/workers.csv", lambda d: d.decode("utf-8").encode("utf-16"))),
    BadDrop("blank_rows_before_header", "blank-rows-before-header", CONTACTS, 1, None, None,
            "2 blank line(s); the header must be on line 1, found on line 3",
            files=_edit(CONTACTS, lambda d: b"\n\r\n" + d)),
]


def write_corpus(out: Path) -> None:
    for bad in CORPUS:
        bad.write(out / bad.kind)


if __name__ == "__main__":
    write_corpus(Path(sys.argv[1]))
    print(f"wrote {len(CORPUS)} bad drops under {sys.argv[1]}")
