"""`csc report`: render the Cabinet report (web page + workbook) and the performance-clinic
view from a published warehouse."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from csc.commands.options import add_warehouse
from csc.config import DEFAULT_REPORTS, warehouse_paths

DEFAULT_LA = "808"


def register(sub: argparse._SubParsersAction) -> None:
    rep = sub.add_parser(
        "report", help="render the Cabinet report for a period",
        description="Render the Cabinet report (Appendix 2 and Table 1 as a web page and an "
                    "Excel workbook) and the performance-clinic view for one local authority "
                    "and reporting period, from the published warehouse (opened read-only).")
    add_warehouse(rep)
    rep.add_argument("--period", default=None,
                     help="reporting period, e.g. '2013-14 Q4' or '2012-13' (default: the "
                          "latest complete period in the warehouse)")
    rep.add_argument("--la", default=DEFAULT_LA,
                     help=f"local authority code (default: {DEFAULT_LA}, Stockton-on-Tees)")
    rep.add_argument("--out", default=str(DEFAULT_REPORTS),
                     help=f"folder to write the report files to (default: {DEFAULT_REPORTS})")
    rep.add_argument("--figures", choices=["as_reported", "restated"], default="as_reported",
                     help="as_reported: each period as first reported to Cabinet (default); "
                          "restated: every period recomputed on the latest extract")
    rep.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from csc.report import BadPeriod, ReportInputError, render_report

    warehouse = warehouse_paths(args.warehouse).published
    try:
        files = render_report(warehouse, args.period, args.la, Path(args.out), args.figures)
    except (ReportInputError, BadPeriod) as exc:
        print(f"csc report: {exc}", file=sys.stderr)
        return 2
    print(f"Cabinet report {files.period} (LA {args.la}, figures {args.figures}):")
    print(f"  page:     {files.html}")
    print(f"  workbook: {files.xlsx}")
    print(f"  clinic:   {files.clinic}")
    return 0
