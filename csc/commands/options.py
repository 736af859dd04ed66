"""Options that several `csc` commands share, written once so their help stays the same."""

from __future__ import annotations

import argparse

from csc.config import published_file


def add_warehouse(parser: argparse.ArgumentParser, reads: str = "") -> None:
    """`--warehouse FILE`: the published DuckDB file (csc.config.warehouse_paths resolves
    None to $CSC_WAREHOUSE or warehouse/csc.duckdb). `reads`: what the command reads beside
    it, added to the help (e.g. "the work file beside it is read")."""
    parser.add_argument("--warehouse", default=None, type=_warehouse_file,
                        help="published DuckDB file" + (f"; {reads}" if reads else "")
                             + " (default: $CSC_WAREHOUSE or warehouse/csc.duckdb)")


def _warehouse_file(value: str) -> str:
    """argparse's check of `--warehouse`: refused at once when it names a folder."""
    try:
        published_file(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return value


def add_reports(parser: argparse.ArgumentParser) -> None:
    """`--reports DIR`: where a refresh renders its reports."""
    parser.add_argument("--reports", default=None,
                        help="folder for the rendered reports (default: reports/ beside the "
                             "warehouse folder)")
