"""`csc returns`: write the statutory returns (SSDA903 and CIN census) of a collection year
from the work database, per LA, as at an extract date (docs/returns.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from csc.commands.options import add_warehouse
from csc.config import warehouse_paths


def register(sub: argparse._SubParsersAction) -> None:
    ret = sub.add_parser(
        "returns", help="write the SSDA903 return and the CIN census for a collection year",
        description="Write the children looked after return (SSDA903, CSV files) and the "
                    "children in need census (XML) of a collection year, per LA, from the "
                    "work database beside the published warehouse (it alone holds the "
                    "identifiers a return needs), as the records stood on an extract date. "
                    "Returns hold personal data: they go only to the folder named by --out.")
    ret.add_argument("--year", required=True,
                     help="collection year, e.g. 2023-24 (1 April 2023 to 31 March 2024)")
    add_warehouse(ret, reads="the work file beside it is read")
    ret.add_argument("--as-at", default=None, metavar="DATE",
                     help="the date of a loaded extract (YYYY-MM-DD): the returns as the "
                          "records stood then (default: the newest extract loaded)")
    ret.add_argument("--la", default=None, metavar="CODE",
                     help="one local authority (default: every LA in the extract)")
    ret.add_argument("--out", required=True,
                     help="folder to write the returns to: <out>/<la>/ssda903/*.csv, "
                          "<out>/<la>/cin_census.xml, <out>/<la>/record_map.csv")
    ret.add_argument("--validate", action="store_true",
                     help="then run the DfE's validation rules on what was written "
                          "(docs/returns.md)")
    ret.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from csc.returns import ReturnsError, write_returns

    paths = warehouse_paths(args.warehouse)
    try:
        result = write_returns(paths.work, args.year, Path(args.out), as_at=args.as_at,
                               la_code=args.la)
    except ReturnsError as exc:
        print(f"csc returns: {exc}", file=sys.stderr)
        return 2
    print(f"Returns {result.year.label} as at the extract of {result.as_at.isoformat()} "
          f"in {result.out}:")
    if result.partial_year:
        print(f"  (the extract is from before the year's end, {result.year.end.isoformat()}: "
              "the returns hold the year so far)")
    for la in result.las:
        tables = ", ".join(f"{table} {rows}" for table, rows in la.rows.items())
        print(f"  LA {la.la_code}: SSDA903 ({tables}); CIN census {la.cin_children} "
              f"children, {la.cin_referrals} referrals -> {la.folder}")
    if args.validate:
        return _validate(result, paths.work)
    return 0


def _validate(result, work_db: Path) -> int:
    """Run the DfE validators on what was written, keep the findings in the work database
    and write the worklist beside the returns. Exit 1 when a rule reports an error."""
    from csc.returns.validate import (
        SUMMARY,
        WORKLIST,
        ValidationFailed,
        store_findings,
        validate_out_folder,
    )
    from csc.workdb import prepare_work_db

    las = [la.la_code for la in result.las]
    try:
        findings = validate_out_folder(result.out, result.year.label, la_codes=las)
    except ValidationFailed as exc:
        print(f"csc returns: {exc}", file=sys.stderr)
        return 2
    prepare_work_db(work_db)
    store_findings(work_db, findings, result.year.label, result.as_at, la_codes=las)
    print(f"DfE validation rules ({result.year.label}):")
    for la in las:
        statuses = findings.attrs.get("returns", {}).get(la, {})
        mine = findings[findings["la_code"] == la]
        for name in ("ssda903", "cin"):
            run = statuses.get(name, {})
            found = mine[mine["return"] == name]
            counts = found["rule_type"].value_counts().to_dict()
            said = ", ".join(f"{n} {'queries' if kind == 'query' else kind + 's'}"
                             for kind, n in sorted(counts.items())) or "no findings"
            status = run.get("status", "not validated")
            print(f"  LA {la} {name}: {status}: {said}"
                  + (f" ({run.get('reason')})" if run.get("reason") else ""))
    print(f"  worklist: {result.out / WORKLIST}")
    print(f"  summary:  {result.out / SUMMARY}")
    errors = int((findings["rule_type"] == "error").sum()) if len(findings) else 0
    return 1 if errors else 0
