"""`csc`: the command-line tool of the warehouse. Each subcommand is a module in
csc/commands/ with a `register(subparsers)` function."""

from __future__ import annotations

import argparse
import os
import sys

from csc.commands import generate, refresh, report, returns, serve
from csc.config import published_file, set_offline_env

COMMANDS = [generate, refresh, report, returns, serve]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="csc", description="Children's social care process-model warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        command.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    set_offline_env()
    args = build_parser().parse_args(argv)
    # `--warehouse` is checked by argparse; the environment's default is checked here,
    # before a command starts any work.
    if getattr(args, "warehouse", "") is None and os.environ.get("CSC_WAREHOUSE"):
        try:
            published_file(os.environ["CSC_WAREHOUSE"])
        except ValueError as exc:
            print(f"csc {args.command}: CSC_WAREHOUSE: {exc}", file=sys.stderr)
            return 2
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
