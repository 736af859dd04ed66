"""`csc generate`: write synthetic extract drops."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

DROPS = ["final", "quarterly", "monthly", "nightly"]


def register(sub: argparse._SubParsersAction) -> None:
    gen = sub.add_parser("generate", help="write synthetic RAISE and CAF extract drops",
                         description="Write synthetic extract drops in the extract-contract "
                                     "layout. With no options: the calibrated "
                                     "Stockton-on-Tees demo (LA 808). Any of --las, "
                                     "--la-count, --from, --to, --drops: many uncalibrated "
                                     "LAs for scale tests.")
    gen.add_argument("--out", default="landing",
                     help="folder to write drops under (default: landing)")
    gen.add_argument("--seed", type=int, default=2014, help="random seed (default: 2014)")
    gen.add_argument("--truth", type=Path, default=None,
                     help="folder (outside --out) for the true CAF child -> RAISE person "
                          "mapping, to measure linkage quality, and with --dirt the list "
                          "of spoiled records (dirt.csv)")
    gen.add_argument("--las", default=None, help="comma-separated LA codes, e.g. 808,805")
    gen.add_argument("--la-count", type=int, default=None,
                     help="number of LAs (codes chosen for you), sizes ~1,000-30,000 "
                          "contacts a year")
    gen.add_argument("--from", dest="first", type=date.fromisoformat, default=None,
                     help="first day (default 2008-04-01)")
    gen.add_argument("--to", dest="last", type=date.fromisoformat, default=None,
                     help="last day (default 2014-03-31)")
    gen.add_argument("--drops", choices=DROPS, default=None,
                     help="how often snapshots are taken (default quarterly)")
    gen.add_argument("--dirt", type=float, default=0.0, metavar="SHARE",
                     help="spoil this share of records (e.g. 0.005) with the faults real "
                          "extracts have; --truth DIR then lists them in DIR/dirt.csv "
                          "(default: 0, clean)")
    gen.add_argument("--format", choices=["raise", "ssd"], default="raise",
                     help="raise: RAISE/CAF extract drops (default); ssd: the same children "
                          "as Standard Safeguarding Dataset drops (<drop>/ssd/ssd_*.csv, "
                          "docs/sources.md)")
    gen.add_argument("--ssd-variant", choices=["lcs", "mosaic"], default="lcs",
                     help="with --format ssd: the columns of the Liquidlogic LCS deployment "
                          "(default) or of the Mosaic one, which lacks a few")
    gen.add_argument("--workers", type=int, default=2,
                     help="processes building LAs in parallel (default 2)")
    gen.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from csc.generate import generate, generate_demo, la_codes

    out = Path(args.out)
    if args.truth is not None and args.truth.resolve().is_relative_to(out.resolve()):
        raise SystemExit("csc generate: --truth must be outside --out (it is not part of a drop)")
    if not 0 <= args.dirt < 1:
        raise SystemExit("csc generate: --dirt is a share of records, from 0 to below 1")
    scale = any(v is not None for v in (args.las, args.la_count, args.first, args.last,
                                        args.drops))
    if args.format == "ssd":
        return _run_ssd(args, out, scale)
    if not scale:
        for drop in generate_demo(out, seed=args.seed, truth=args.truth, dirt=args.dirt):
            print(f"wrote drop {drop}")
        return 0
    las = args.las.split(",") if args.las else la_codes(args.la_count or 1)
    first = args.first or date(2008, 4, 1)
    last = args.last or date(2014, 3, 31)
    if last < first:
        raise SystemExit("csc generate: --to is before --from")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("generating"), BarColumn(), TextColumn("{task.completed}/"
                  "{task.total} LAs"), TimeElapsedColumn()) as bar:
        task = bar.add_task("las", total=len(las))
        result = generate(out, las, first, last, drops=args.drops or "quarterly",
                          seed=args.seed, truth=args.truth, workers=args.workers,
                          dirt=args.dirt,
                          progress=lambda done, rows: bar.update(task, completed=done))
    print(f"wrote {len(result.drops)} drops, {result.rows} rows, {len(las)} LAs under {out}")
    return 0


def _run_ssd(args: argparse.Namespace, out: Path, scale: bool) -> int:
    """`--format ssd`: the same children, drops and seed, written as SSD drops
    (csc.generate.ssd)."""
    from csc.generate import generate, generate_demo, la_codes
    from csc.generate.ssd import generate_ssd

    if args.dirt:
        raise SystemExit("csc generate: --dirt spoils RAISE/CAF records; it is not available "
                         "with --format ssd")
    if not scale:
        def build(landing: Path, truth: Path) -> object:
            return generate_demo(landing, seed=args.seed, truth=truth)
    else:
        las = args.las.split(",") if args.las else la_codes(args.la_count or 1)
        first = args.first or date(2008, 4, 1)
        last = args.last or date(2014, 3, 31)
        if last < first:
            raise SystemExit("csc generate: --to is before --from")

        def build(landing: Path, truth: Path) -> object:
            return generate(landing, las, first, last, drops=args.drops or "quarterly",
                            seed=args.seed, truth=truth, workers=args.workers)
    drops = generate_ssd(out, build, variant=args.ssd_variant, truth=args.truth)
    print(f"wrote {len(drops)} SSD drops ({args.ssd_variant}) under {out}")
    return 0
