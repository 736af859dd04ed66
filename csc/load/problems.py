"""What can be wrong with a drop, said so that the person who exported it can fix it.

Every check of the loader reports a `Problem`: the file (relative to the landing folder), the
row (the file's record number, the header being row 1: the line number unless a quoted value
spans lines), the column, the offending value and the rule broken. The rule is a short stable
code (tests and the quarantine tables key on it) with a sentence saying what to do.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from csc.config import read_yaml

RULES_FILE = Path(__file__).resolve().parent.parent / "load_rules.yml"

# rule code -> what the rule says. One place for the wording of every check.
RULES: dict[str, str] = {
    "missing-file": "missing file",
    "unexpected-file": "file not in the extract contract",
    "empty-file": "empty file (0 bytes): not even a header row",
    "byte-order-mark": "byte-order mark at the start of the file",
    "not-utf8": "not UTF-8",
    "blank-rows-before-header": "blank row(s) before the header",
    "missing-column": "missing column",
    "unknown-column": "unknown column",
    "duplicate-column": "column named twice in the header",
    "ragged-row": "wrong number of fields in the row",
    "broken-quoting": "broken quoting",
    "truncated-file": "truncated file",
    "unreadable-csv": "the CSV reader could not read the file",
    "required": "required value is empty",
    "not-an-integer": "not a whole number",
    "not-a-flag": "flag must be Y or N",
    "not-in-code-list": "code not in its code list",
    "not-a-date": "not a date in the form YYYY-MM-DD",
    "dmy-date": "DD/MM/YYYY date where ISO YYYY-MM-DD is expected",
    "impossible-date": "impossible date (no such day in the calendar)",
    "implausible-date": "date outside the plausible range",
    "la-code": "LA code must be the DfE three-digit code",
    "spreadsheet-mangled-id": "id looks like a number reformatted by a spreadsheet",
    "duplicate-key": "duplicate primary key",
    "missing-parent": "reference to a record missing from this drop",
    "end-before-start": "end date before its start date",
    "duplicate-row": "the same row twice (every value identical)",
    "too-many-problems": "too many records with record-level problems",
    "not-a-drop-date": "drop folder is not named by a real date",
    "older-than-loaded": "drop is older than the newest loaded drop",
    "dated-in-the-future": "drop is dated after today",
    "changed-after-load": "file changed after its drop was loaded",
    "added-after-load": "file added after its drop was loaded",
}


@cache
def rule_book() -> dict:
    """csc/load_rules.yml: per rule its kind (structural or record) and, for record-level
    rules, what the warehouse does with the record."""
    book = read_yaml(RULES_FILE)
    unknown = set(book["rules"]) ^ set(RULES)
    if unknown:
        raise ValueError(f"{RULES_FILE.name} and RULES disagree on {sorted(unknown)}")
    return book


def rule_kind(rule: str) -> str:
    return rule_book()["rules"][rule]["kind"]


def max_problem_share() -> float:
    """Share of one file's rows that may carry record-level problems before the drop is
    refused whole: CSC_MAX_PROBLEM_SHARE, else load_rules.yml's max_problem_share."""
    env = os.environ.get("CSC_MAX_PROBLEM_SHARE", "").strip()
    return float(env) if env else float(rule_book()["max_problem_share"])


@dataclass(frozen=True)
class Problem:
    """One broken rule, with where it was found. Rows of one file that break the same rule
    in the same column are reported once: `row`/`value` are the first such row,
    `rows_affected` how many there are and `example_rows` the first few."""

    file: str
    rule: str
    detail: str = ""
    row: int | None = None
    column: str | None = None
    value: str | None = None
    rows_affected: int = 1
    example_rows: tuple[int, ...] = ()
    # The value may be personal data (a pii column, or a whole raw line of a table with
    # one): shown in the quarantine report, withheld from the error message, which travels
    # to logs and to the published run log.
    sensitive: bool = False
    # A record-level rule broken in a primary-key column is structural: None means the
    # rule's kind from load_rules.yml.
    kind: str | None = None

    def __post_init__(self) -> None:
        if self.rule not in RULES:
            raise ValueError(f"unknown rule {self.rule!r}")

    @property
    def structural(self) -> bool:
        return (self.kind or rule_kind(self.rule)) == "structural"

    @property
    def rule_text(self) -> str:
        return RULES[self.rule]

    def __str__(self) -> str:
        return self.describe(show_value=True)

    def public(self) -> str:
        """The problem as said outside the landing folder: personal data withheld."""
        return self.describe(show_value=not self.sensitive)

    def describe(self, show_value: bool) -> str:
        where = self.file
        if self.row is not None:
            where += f" row {self.row}"
        if self.column is not None:
            where += f"{',' if self.row is not None else ''} column {self.column}"
        text = f"{where}: {self.rule_text}"
        if self.value is not None:
            text += (f": value {self.value!r}" if show_value
                     else ": value withheld (personal data: see the quarantine report)")
        if self.detail:
            text += f" ({self.detail})"
        if self.rows_affected > 1:
            rows = ", ".join(str(r) for r in self.example_rows)
            text += f" [{self.rows_affected:,} rows like this; first rows: {rows}]"
        return f"{text} [{self.rule}]"


class DropRejected(Exception):
    """A drop failed a check; nothing of it was loaded (the run must fail)."""

    headline = "drop {extract_date} rejected, nothing of it was loaded"

    def __init__(self, extract_date: str, problems: list[Problem], report: str | None = None):
        self.extract_date = extract_date
        self.problems = problems
        self.report = report
        shown = [p.public() for p in problems[:40]]
        if len(problems) > 40:
            shown.append(f"... and {len(problems) - 40} more problems")
        tail = f"\n  full report: {report}" if report else ""
        super().__init__(self.headline.format(extract_date=extract_date) + ":\n  "
                         + "\n  ".join(shown) + tail)


class LoadedDropChanged(DropRejected):
    """Files of an already-loaded drop changed: the run loads nothing until they are
    restored (history cannot be rewritten)."""

    headline = ("files of already-loaded drop(s) changed in the landing folder; nothing was "
                "loaded this run")
