"""Quarantine: what happens to a drop that fails a check.

Nothing of the drop is loaded. The attempt is recorded in meta.quarantined_drops (with the
report) and every problem in meta.quarantine_problems, and a readable report is written
beside the drop, as `<landing>/<extract_date>.quarantine.txt`; when the landing folder is
not writable, in the warehouse's quarantine folder instead. The drop stays where it is: the
next run checks it again, so a drop whose files were fixed loads then (its quarantine rows
are marked released and the report file is removed).
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path

import duckdb

from csc.load.problems import Problem

REPORT_SUFFIX = ".quarantine.txt"


def render_report(extract_date: str, landing: Path, problems: list[Problem],
                  when: datetime) -> str:
    by_rule = Counter(p.rule for p in problems)
    lines = [
        f"Drop {extract_date} was NOT loaded: it failed {len(problems)} check(s).",
        f"Landing folder: {landing}",
        f"Checked: {when:%Y-%m-%d %H:%M:%S}",
        "",
        "Nothing of this drop is in the warehouse; the published warehouse is unchanged.",
        "Fix the files (or ask for a new export) and run the refresh again: the drop is",
        "checked again on every run and loads once it passes. Drops after this one wait",
        "for it, so history stays in extract-date order. To give up on this drop, move its",
        "folder out of the landing folder.",
        "",
        "Problems by rule: " + ", ".join(f"{rule} x{n}" for rule, n in sorted(by_rule.items())),
        "",
    ]
    current = None
    for problem in sorted(problems, key=lambda p: (p.file, p.row or 0)):
        if problem.file != current:
            current = problem.file
            lines.append(f"== {current}")
        lines.append(f"  - {problem}")
    return "\n".join(lines) + "\n"


def _writable(directory: Path) -> bool:
    return directory.is_dir() and os.access(directory, os.W_OK)


def report_paths(landing: Path, quarantine_dir: Path, extract_date: str) -> list[Path]:
    """Where a drop's report may be: beside the drop first, then the quarantine folder."""
    return [landing / f"{extract_date}{REPORT_SUFFIX}",
            quarantine_dir / f"{extract_date}{REPORT_SUFFIX}"]


def quarantine_drop(con: duckdb.DuckDBPyConnection, landing: Path, quarantine_dir: Path,
                    extract_date: str, problems: list[Problem]) -> Path:
    """Record a refused drop and write its report; return the report's path."""
    when = datetime.now()
    report = render_report(extract_date, landing, problems, when)
    beside, fallback = report_paths(landing, quarantine_dir, extract_date)
    target = beside if _writable(landing) else fallback
    try:
        target.write_text(report, encoding="utf-8")
    except OSError:
        target = fallback
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(report, encoding="utf-8")
    attempt = uuid.uuid4().hex[:12]
    con.execute("begin transaction")
    con.execute("insert into meta.quarantined_drops values (?, ?, ?, ?, ?, ?, null, null)",
                [extract_date, attempt, when, len(problems), str(target), report])
    con.executemany(
        "insert into meta.quarantine_problems values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[attempt, extract_date, p.file, p.row, p.column, p.value, p.rule, str(p),
          p.rows_affected] for p in problems])
    con.execute("commit")
    return target


def release_drop(con: duckdb.DuckDBPyConnection, extract_date: str, load_id: str) -> None:
    """A previously quarantined drop has loaded: mark its attempts released (call inside
    the load's transaction)."""
    con.execute(
        """update meta.quarantined_drops set released_at = now(), released_load_id = ?
           where extract_date = ? and released_at is null""", [load_id, extract_date])


def remove_reports(landing: Path, quarantine_dir: Path, extract_date: str) -> None:
    """Remove a loaded drop's stale quarantine report(s)."""
    for path in report_paths(landing, quarantine_dir, extract_date):
        if path.is_file():
            try:
                path.unlink()
            except OSError:
                pass
