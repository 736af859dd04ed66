"""Check the statutory returns with the DfE's own validation rules, and keep the findings.

The rules are Data to Insight's validator packages (`csc-validator-be-903` for the children
looked after return, SSDA903; `csc-validator-be-cin` for the children in need census). They
pin pandas < 2, so they live in an environment of their own, `.venv-returns` (`make
venv-returns`, from requirements-returns.lock), and run there as a separate process: the
script csc/returns/_runner.py, run by path, one process per LA folder.

- `validate_la_folder`: one LA's folder (`<out>/<la_code>`, as `csc returns` writes it)
  through both validators -> one row per finding (FINDING_COLUMNS). The DataFrame's
  `attrs["returns"]` says, per return, whether it was validated (a return whose files are
  missing is not) and the rules run, skipped and failed.
- `validate_out_folder`: every LA folder of an out folder; writes the worklist and summary.
- `store_findings`: into the work database (returns.validation_findings, one row per finding,
  and returns.validation_runs), replacing an earlier check of the same LA, year and as-at.
- `write_worklist`: `<out>/validation_worklist.csv`, each finding with the record it is about
  as the case-management system knows it (`<out>/<la>/record_map.csv`), and
  `<out>/validation_summary.csv` (findings and children by LA, return, rule and type).

The worklist and the work database hold the children's ids in clear, like the returns
themselves: they stay beside the returns and the work database. The published warehouse
gets the findings through the mart return_findings, with the child under the pseudonymous
child_key only.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import tempfile
import time
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd

from csc.config import PROJECT_DIR

RUNNER = Path(__file__).with_name("_runner.py")
RETURNS_PYTHON = PROJECT_DIR / ".venv-returns" / "bin" / "python"
RETURNS = ("ssda903", "cin")
FINDING_COLUMNS = ["la_code", "return", "rule_code", "rule_type", "message", "table",
                   "column", "child_id", "row"]
WORKLIST = "validation_worklist.csv"
SUMMARY = "validation_summary.csv"
RECORD_MAP = "record_map.csv"
WORKLIST_COLUMNS = [*FINDING_COLUMNS, "source_table", "record_id", "person_id"]
SUMMARY_COLUMNS = ["la_code", "return", "status", "rule_code", "rule_type", "message",
                   "findings", "children"]
# a big LA's 903 and CIN census take a minute or two each on a busy machine
TIMEOUT_SECONDS = 1800


class ValidationFailed(RuntimeError):
    """A validator failed as a whole on a return (not the same as finding nothing)."""


def returns_env_missing(python: Path = RETURNS_PYTHON) -> str | None:
    """Why the validators cannot run here (None when they can): the reason names the fix."""
    if not python.exists():
        return f"{python} is missing (run `make venv-returns`)"
    return None


def _empty_findings() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in FINDING_COLUMNS})
    frame["row"] = frame["row"].astype("Int64")
    return frame


def _frame(rows: list[dict], la_code: str) -> pd.DataFrame:
    if not rows:
        return _empty_findings()
    frame = pd.DataFrame([{**r, "la_code": la_code} for r in rows])
    frame = frame.reindex(columns=FINDING_COLUMNS)
    for column in FINDING_COLUMNS:
        if column != "row":
            frame[column] = frame[column].astype("object").where(frame[column].notna(), None)
    frame["row"] = pd.array(frame["row"], dtype="Int64")
    return frame


def validate_la_folder(folder: Path, year: str, la_code: str, ons_code: str,
                       python: Path = RETURNS_PYTHON) -> pd.DataFrame:
    """Run both validators on `folder` (= `<out>/<la_code>`) for collection year `year`
    (e.g. `2023-24`: rule sets lac2023_24 and cin2023_24); `ons_code` is the LA's ONS code
    (E06000004), which the 903 rules need. One row per finding (FINDING_COLUMNS);
    `attrs["returns"]`: per return, its status (validated / not validated, and why), the
    rules run, skipped and failed. A validator failing as a whole raises ValidationFailed
    naming the file."""
    missing = returns_env_missing(python)
    if missing:
        raise ValidationFailed(f"cannot run the DfE validators: {missing}")
    with tempfile.TemporaryDirectory(prefix="csc-validate-") as tmp:
        output = Path(tmp) / "findings.json"
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        started = time.perf_counter()
        try:
            done = subprocess.run(
                [str(python), str(RUNNER), "--folder", str(folder), "--year", year,
                 "--ons-code", ons_code, "--output", str(output)],
                capture_output=True, text=True, env=env, timeout=TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired as exc:
            raise ValidationFailed(
                f"the DfE validators took over {TIMEOUT_SECONDS} s on {folder}") from exc
        if done.returncode != 0 or not output.exists():
            said = [line for line in done.stderr.splitlines()
                    if line.startswith("validation failed:")]
            detail = "\n".join(said) or done.stderr.strip()[-3000:]
            raise ValidationFailed(
                f"the DfE validators failed on {folder} (exit status {done.returncode}): "
                f"{detail}")
        payload = json.loads(output.read_text())
    frame = _frame(payload["findings"], la_code)
    frame.attrs["la_codes"] = [la_code]
    frame.attrs["returns"] = {la_code: payload["returns"]}
    frame.attrs["seconds"] = round(time.perf_counter() - started, 2)
    return frame


def la_folders(out_dir: Path) -> list[Path]:
    """The LA folders of an out folder: `<out>/<la_code>` holding a return."""
    if not out_dir.is_dir():
        return []
    return sorted(p for p in out_dir.iterdir() if p.is_dir() and (
        (p / "ssda903").is_dir() or (p / "cin_census.xml").is_file()))


def ons_codes_from_seed(project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """la_code -> ONS code from seeds/english_local_authorities.csv (column ons_code)."""
    path = project_dir / "seeds" / "english_local_authorities.csv"
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    if rows and "ons_code" not in rows[0]:
        raise ValidationFailed(f"{path} has no ons_code column: the 903 rules need each "
                               "LA's ONS code")
    return {r["la_code"]: r["ons_code"] for r in rows if r.get("ons_code")}


def combine(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Several `validate_la_folder` results as one (their attrs merged)."""
    frames = list(frames)
    nonempty = [f for f in frames if len(f)]
    combined = pd.concat(nonempty, ignore_index=True) if nonempty else _empty_findings()
    combined.attrs = {"la_codes": [c for f in frames for c in f.attrs.get("la_codes", [])],
                      "returns": {k: v for f in frames
                                  for k, v in f.attrs.get("returns", {}).items()}}
    return combined


def validate_out_folder(out_dir: Path, year: str, ons_codes: Mapping[str, str] | None = None,
                        la_codes: Iterable[str] | None = None,
                        python: Path = RETURNS_PYTHON) -> pd.DataFrame:
    """Every LA folder of `out_dir` (or those of `la_codes`) through the validators; writes
    `<out>/validation_worklist.csv` and `<out>/validation_summary.csv`; returns the findings
    of all (store them with `store_findings`)."""
    ons = dict(ons_codes) if ons_codes is not None else ons_codes_from_seed()
    wanted = set(la_codes) if la_codes is not None else None
    folders = [f for f in la_folders(out_dir) if wanted is None or f.name in wanted]
    if not folders:  # a check of nothing must not read as a clean one
        raise ValidationFailed(f"no returns to check in {out_dir} (no <la_code>/ssda903 or "
                               f"<la_code>/cin_census.xml" +
                               (f" for LA {', '.join(sorted(wanted))})" if wanted else ")"))
    frames = []
    for folder in folders:
        la_code = folder.name
        if la_code not in ons:
            raise ValidationFailed(f"no ONS code for LA {la_code}: the 903 rules need it")
        frames.append(validate_la_folder(folder, year, la_code, ons[la_code], python))
    findings = combine(frames)
    write_worklist(out_dir, findings)
    return findings


def _text_list(values) -> str | None:
    return ",".join(map(str, values)) if values else None


def store_findings(work_db_path: Path, findings: pd.DataFrame, year: str,
                   as_at: date | str, la_codes: Iterable[str] | None = None,
                   validated_at: datetime | None = None) -> int:
    """Keep `findings` in returns.validation_findings (and each return's status in
    returns.validation_runs) for collection year `year` as at the extract `as_at`, replacing
    what an earlier check of the same LA, year and as-at stored (an LA whose check found
    nothing keeps no findings). The LAs checked are `la_codes`, else the DataFrame's
    `attrs["la_codes"]`, else the LAs of its rows. Returns the rows stored. The work
    database's tables come from csc.workdb.prepare_work_db."""
    las = [str(c) for c in (la_codes if la_codes is not None
                            else findings.attrs.get("la_codes")
                            or findings["la_code"].dropna().unique())]
    as_at = str(as_at)
    validated_at = validated_at or datetime.now()
    rows = findings.reindex(columns=FINDING_COLUMNS).copy()
    rows["row"] = rows["row"].astype("Int64")
    records = [
        (r["la_code"], year, as_at, validated_at, r["return"], r["rule_code"], r["rule_type"],
         r["message"], r["table"], r["column"],
         None if r["child_id"] is None else str(r["child_id"]),
         None if pd.isna(r["row"]) else int(r["row"]))
        for r in rows.astype(object).where(rows.notna(), None).to_dict("records")]
    runs = []
    for la_code, returns in findings.attrs.get("returns", {}).items():
        for name, run in returns.items():
            count = int(((findings["la_code"] == la_code) & (findings["return"] == name)).sum())
            runs.append((la_code, year, as_at, validated_at, name, run.get("status"),
                         run.get("reason"), run.get("rule_set"), run.get("rules_run"),
                         _text_list(run.get("rules_skipped")),
                         _text_list(run.get("rules_failed")), count, run.get("seconds")))
    with duckdb.connect(str(work_db_path)) as con:
        con.execute("begin")
        for table in ("validation_findings", "validation_runs"):
            con.execute(f"delete from returns.{table} where collection_year = ? and "
                        "as_at = cast(? as date) and list_contains(?, la_code)",
                        [year, as_at, las])
        if records:
            con.executemany(
                """insert into returns.validation_findings
                   (la_code, collection_year, as_at, validated_at, return_name, rule_code,
                    rule_type, message, table_name, column_name, child_id, row_number)
                   values (?, ?, cast(? as date), ?, ?, ?, ?, ?, ?, ?, ?, ?)""", records)
        if runs:
            con.executemany(
                """insert into returns.validation_runs values
                   (?, ?, cast(? as date), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", runs)
        con.execute("commit")
    return len(records)


def _record_map(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    with path.open(newline="") as fh:
        return list(csv.DictReader(fh))


def source_records(finding: Mapping, record_map: list[dict]) -> list[dict]:
    """The records of `record_map` (one LA's record_map.csv) a finding is about: those of its
    return, table and child, narrowed to its row where both give one (the 903 files); else,
    for a finding on a child, the child's persons record; else none."""
    child = finding.get("child_id")
    row = finding.get("row")
    same = [m for m in record_map if m.get("return") == finding.get("return")
            and m.get("table") == finding.get("table")]
    if row is not None and not pd.isna(row) and any(m.get("row") for m in same):
        by_row = [m for m in same if m.get("row") and int(m["row"]) == int(row)]
        if by_row:
            return by_row
    if child is not None:
        by_child = [m for m in same if m.get("child_id") == str(child)]
        if by_child:
            return by_child
        return [m for m in record_map if m.get("child_id") == str(child)
                and m.get("source_table") == "persons"][:1]
    return []


def write_worklist(out_dir: Path, findings: pd.DataFrame) -> tuple[Path, Path]:
    """`<out>/validation_worklist.csv`: one row per finding and source record (the record as
    the case-management system knows it: source_table, record_id, person_id, from
    `<out>/<la>/record_map.csv`; empty where the map has none), and
    `<out>/validation_summary.csv`: findings and children by LA, return, rule and type, and
    one row per return checked with no findings or not validated (status says which)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    worklist, summary = out_dir / WORKLIST, out_dir / SUMMARY
    maps: dict[str, list[dict]] = {}
    rows = findings.reindex(columns=FINDING_COLUMNS)
    records = rows.astype(object).where(rows.notna(), None).to_dict("records")
    with worklist.open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=WORKLIST_COLUMNS)
        writer.writeheader()
        for finding in sorted(records, key=lambda r: tuple(
                "" if r[c] is None else str(r[c]).zfill(12) if c == "row" else str(r[c])
                for c in ("la_code", "return", "child_id", "table", "row", "rule_code",
                          "column"))):
            la = str(finding["la_code"])
            if la not in maps:
                maps[la] = _record_map(out_dir / la / RECORD_MAP)
            matched = source_records(finding, maps[la]) or [{}]
            for record in matched:
                writer.writerow({
                    **finding,
                    "source_table": record.get("source_table"),
                    "record_id": record.get("record_id"),
                    "person_id": finding["child_id"] if finding["child_id"] is not None
                    else None,
                })
    counts: dict[tuple, list] = {}
    for f in records:
        key = (f["la_code"], f["return"], "validated", f["rule_code"], f["rule_type"],
               f["message"])
        counts.setdefault(key, [0, set()])
        counts[key][0] += 1
        if f["child_id"] is not None:
            counts[key][1].add(f["child_id"])
    lines = [[*key, n, len(children)] for key, (n, children) in counts.items()]
    found = {(k[0], k[1]) for k in counts}
    for la_code, returns in findings.attrs.get("returns", {}).items():
        for name, run in returns.items():
            if (la_code, name) not in found:
                status = run.get("status")
                reason = run.get("reason") or ("no findings" if status == "validated" else "")
                lines.append([la_code, name, status, None, None, reason, 0, 0])
    with summary.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SUMMARY_COLUMNS)
        writer.writerows(sorted(lines, key=lambda r: tuple(str(x or "") for x in r[:4])))
    return worklist, summary
