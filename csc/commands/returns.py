"""`csc returns`: write the statutory returns (SSDA903 and CIN census) of a collection year
from the work database, per LA, as at an extract date (docs/returns.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    ret.add_argument("--warehouse", default=None,
                     help="published DuckDB file; the work file beside it is read "
                          "(default: $CSC_WAREHOUSE or warehouse/csc.duckdb)")
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
        return _validate(result)
    return 0


def _validate(result) -> int:
    try:
        from csc.returns.validate import validate_returns
    except ImportError:
        print("csc returns: --validate needs csc.returns.validate (the validators' "
              "environment, `make venv-returns`)", file=sys.stderr)
        return 2
    return validate_returns(result)
