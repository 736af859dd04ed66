"""`csc generate`: write synthetic extract drops."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser("generate", help="write synthetic RAISE and CAF extract drops",
                         description="Write synthetic extract drops in the extract-contract "
                                     "layout. With no options: the calibrated "
                                     "Stockton-on-Tees demo (LA 808).")
    gen.add_argument("--out", default="landing",
                     help="folder to write drops under (default: landing)")
    gen.add_argument("--seed", type=int, default=2014, help="random seed (default: 2014)")
    gen.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from csc.generate import generate_demo

    for drop in generate_demo(Path(args.out), seed=args.seed):
        print(f"wrote drop {drop}")
    return 0
