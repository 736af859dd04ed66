"""Run the DfE's validation rules on one LA's returns folder and write the findings as JSON.

This script runs in the returns environment (.venv-returns, `make venv-returns`), never in
the project's: the validators (Data to Insight's `csc-validator-be-903`, module
lac_validator, and `csc-validator-be-cin`, module cin_validator) pin pandas < 2. So it uses
the standard library and the validators only, and csc.returns.validate runs it by path as a
separate process:

    .venv-returns/bin/python csc/returns/_runner.py --folder OUT/808 --year 2023-24 \
        --ons-code E06000004 --output findings.json

The folder is the one `csc returns` writes for an LA (docs/returns.md): `ssda903/*.csv`
(the DfE's column names; each file is recognised by its header row) and `cin_census.xml`.
A return whose files are missing is not validated, and the output says so; 903 rules that
need a table the folder lacks are skipped by the validator (listed as skipped).

The output (JSON) holds, per return, whether it was validated, the files read, the rules
run, skipped and failed (a rule that raised on the data: the validator carries on without
it), the seconds taken, and one finding per rule x table x row x column the validator
flags: return, rule_code, rule_type, message, table, column, child_id, row. A validator
that fails as a whole (unreadable file, unknown CSV) makes this script exit with status 2
and a message naming the file: never an empty list of findings.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import io
import json
import logging
import math
import re
import sys
import time
import traceback
import warnings
from pathlib import Path

FAILED = 2  # exit status when a validator fails as a whole


class ValidatorFailed(Exception):
    """A whole validator run failed; the message names the return and the file."""


def rule_sets(year: str) -> tuple[str, str, str]:
    """`2023-24` -> (`lac2023_24`, `cin2023_24`, collectionYear `2024`)."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", year)
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise ValueError(f"collection year {year!r} is not of the form 2023-24")
    start, end = match.group(1), match.group(2)
    return f"lac{start}_{end}", f"cin{start}_{end}", str(int(start) + 1)


def _clean(value):
    """A JSON-safe scalar: NaN/NA/None -> None, numbers and text as they are."""
    if value is None:
        return None
    try:
        if value != value:  # NaN, NaT
            return None
    except (TypeError, ValueError):  # pandas.NA
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    if type(value).__name__ == "NAType":
        return None
    return value if isinstance(value, (int, float)) else str(value)


def _row(value):
    value = _clean(value)
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _quiet_logs() -> None:
    # lac_validator sets the root logger to INFO at import and logs every rule it runs.
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("lac_validator", "cin_validator"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def validate_903(folder: Path, ruleset: str, collection_year: str, ons_code: str) -> dict:
    """The SSDA903 return of `folder/ssda903` checked with rule set `ruleset`."""
    files_dir = folder / "ssda903"
    paths = sorted(p for p in files_dir.glob("*.csv") if p.is_file()) if files_dir.is_dir() \
        else []
    result = {"status": "not validated", "files": [p.name for p in paths], "findings": []}
    if not paths:
        result["reason"] = f"no SSDA903 files (no {files_dir}/*.csv)"
        return result
    started = time.perf_counter()
    try:
        from lac_validator.config import column_names
        from lac_validator.lac_validator import LacValidator, create_issue_df
        from lac_validator.report import Report
        from lac_validator.utils import process_uploaded_files
    except Exception as exc:  # the environment itself is broken
        raise ValidatorFailed(f"SSDA903: cannot import lac_validator: {exc}") from exc
    _quiet_logs()
    tables = {}
    for path in paths:  # name the file the validator would not recognise
        try:
            with path.open(newline="", encoding="utf-8-sig") as fh:
                header = next(csv.reader(fh), [])
        except (OSError, UnicodeDecodeError) as exc:
            raise ValidatorFailed(f"SSDA903: cannot read {path}: {exc}") from exc
        table = next((name for name, columns in column_names.items()
                      if set(columns) == set(header)), None)
        if table is None:
            raise ValidatorFailed(
                f"SSDA903: {path} has columns {header}, which match no SSDA903 table "
                f"(lac_validator.config.column_names)")
        if table in tables:
            raise ValidatorFailed(f"SSDA903: {path} and {tables[table]} are both {table}")
        tables[table] = path
    result["tables"] = {table: path.name for table, path in sorted(tables.items())}
    try:
        registry = importlib.import_module(f"lac_validator.rules.{ruleset}").registry
    except ModuleNotFoundError as exc:
        raise ValidatorFailed(f"SSDA903: the validator has no rule set {ruleset}") from exc
    try:
        files = process_uploaded_files({"This year": [str(p) for p in paths]})
        validator = LacValidator(
            metadata={"collectionYear": collection_year, "localAuthority": ons_code},
            files=files, registry=registry, selected_rules=None)
        report = Report(validator.ds_results, registry)
        flagged = any(c.startswith("ERR_") for c in report.report.columns) and \
            bool(report.report.filter(like="ERR_").fillna(False).astype(bool).any().any())
        issues = create_issue_df(report.report, report.error_report) if flagged else None
    except Exception as exc:
        raise ValidatorFailed(
            f"SSDA903: the validator failed on {files_dir} ({', '.join(p.name for p in paths)}):"
            f" {type(exc).__name__}: {exc}\n{traceback.format_exc()}") from exc
    findings = []
    if issues is not None:
        for record in issues.to_dict("records"):
            findings.append({
                "return": "ssda903",
                "rule_code": str(record["rule_code"]),
                # the 903 rule packages do not tell errors from queries: all are errors
                "rule_type": "error",
                "message": _clean(record.get("rule_description")),
                "table": _clean(record.get("tables_affected")),
                "column": _clean(record.get("columns_affected")),
                "child_id": _clean(record.get("child_id")),
                "row": _row(record.get("row_id")),
            })
    result.update(
        status="validated", findings=findings, rule_set=ruleset,
        rules_run=len(validator.dones), rules_skipped=sorted(map(str, validator.skips)),
        rules_failed=sorted(map(str, validator.fails)),
        seconds=round(time.perf_counter() - started, 2))
    return result


def validate_cin(folder: Path, ruleset: str) -> dict:
    """The CIN census of `folder/cin_census.xml` checked with rule set `ruleset`."""
    path = folder / "cin_census.xml"
    result = {"status": "not validated", "files": [], "findings": []}
    if not path.is_file():
        result["reason"] = f"no CIN census ({path} is missing)"
        return result
    result["files"] = [path.name]
    started = time.perf_counter()
    try:
        import xml.etree.ElementTree as ET

        from cin_validator import cin_validator
    except Exception as exc:
        raise ValidatorFailed(f"CIN census: cannot import cin_validator: {exc}") from exc
    _quiet_logs()
    try:
        registry = importlib.import_module(f"cin_validator.rules.{ruleset}").registry
    except ModuleNotFoundError as exc:
        raise ValidatorFailed(f"CIN census: the validator has no rule set {ruleset}") from exc
    printed = io.StringIO()
    try:
        root = ET.parse(path).getroot()
        if root.find("Header") is None or root.find("Children") is None:
            raise ValueError("the XML has no Header or no Children element")
        data = cin_validator.process_data(cin_validator.convert_data(root))
        # the validator prints "Error with rule <code>: ..." for a rule that raised on the
        # data, and carries on without it
        with contextlib.redirect_stdout(printed):
            validator = cin_validator.CinValidator(data, registry, selected_rules=None)
    except Exception as exc:
        raise ValidatorFailed(
            f"CIN census: the validator failed on {path}: {type(exc).__name__}: {exc}\n"
            f"{traceback.format_exc()}") from exc
    failed = sorted(set(re.findall(r"^Error with rule (\S+?):", printed.getvalue(), re.M)))

    def rule_type(code) -> str:
        rule = registry.get(code) or registry.get(str(code))
        return rule.rule_type.value.lower() if rule is not None else "error"

    findings = []
    for record in validator.full_issue_df.to_dict("records"):
        code = str(record["rule_code"])
        findings.append({
            "return": "cin",
            "rule_code": code,
            "rule_type": rule_type(record["rule_code"]),
            "message": _clean(record.get("rule_description")),
            "table": _clean(record.get("tables_affected")),
            "column": _clean(record.get("columns_affected")),
            "child_id": _clean(record.get("child_id")),
            "row": _row(record.get("row_id")),
        })
    # rules about the return as a whole (its Header, or the LA's figures): no child, no row
    for record in validator.multichild_issues.drop_duplicates().to_dict("records"):
        code = str(record["rule_code"])
        findings.append({
            "return": "cin", "rule_code": code, "rule_type": rule_type(record["rule_code"]),
            "message": _clean(record.get("rule_description")), "table": None,
            "column": None, "child_id": None, "row": None})
    result.update(
        status="validated", findings=findings, rule_set=ruleset,
        rules_run=len(registry) - len(failed), rules_skipped=[], rules_failed=failed,
        seconds=round(time.perf_counter() - started, 2))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True, help="<out>/<la_code>")
    parser.add_argument("--year", required=True, help="collection year, e.g. 2023-24")
    parser.add_argument("--ons-code", required=True,
                        help="the LA's ONS code (the 903 validator's localAuthority)")
    parser.add_argument("--output", type=Path, required=True, help="findings JSON to write")
    args = parser.parse_args(argv)
    # pandas 1.5 warns about its own future on every rule: noise, not findings
    warnings.simplefilter("ignore", FutureWarning)
    started = time.perf_counter()
    try:
        lac_set, cin_set, collection_year = rule_sets(args.year)
        if not args.folder.is_dir():
            raise ValidatorFailed(f"returns folder {args.folder} does not exist")
        returns = {
            "ssda903": validate_903(args.folder, lac_set, collection_year, args.ons_code),
            "cin": validate_cin(args.folder, cin_set),
        }
    except (ValidatorFailed, ValueError) as exc:
        print(f"validation failed: {exc}", file=sys.stderr)
        return FAILED
    findings = [f for r in returns.values() for f in r.pop("findings")]
    payload = {"folder": str(args.folder), "year": args.year, "ons_code": args.ons_code,
               "returns": returns, "findings": findings,
               "seconds": round(time.perf_counter() - started, 2)}
    args.output.write_text(json.dumps(payload, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
