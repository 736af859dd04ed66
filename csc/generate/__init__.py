"""Synthetic RAISE and CAF extract drops (`csc generate`).

`generate_demo` writes the Stockton-on-Tees demo (LA 808): children's histories from 1 April
2008, calibrated so that each reporting period of the July 2014 Cabinet report, computed on
the drop dated a fortnight after the period ends, reproduces the published Appendix 2 and
Table 1 (docs/calibration.md lists the cells that cannot hold and why). `generate` writes
many LAs over any years with a chosen drop frequency, for scale tests. Each drop is a full
snapshot as at its extract date (csc.generate.drops). docs/generator.md lists the modules:
the LA's targets, the calendar, one module per domain of its history (csc.generate.history
runs them in order), the contract's tables, people's names, reference tables and drops, and
on request records spoiled as real extracts are (csc.generate.dirt, `--dirt`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from csc.config import PROJECT_DIR
from csc.contract import Contract, load_contract
from csc.generate.calendar import WorkingDays, add_months, day, to_date
from csc.generate.contacts import FRONT_DOOR_STREAM, delay_decisions, pull_back_cases
from csc.generate.dirt import DIRT_STREAM, TRUTH_COLUMNS, TableDirt, plan_dirt
from csc.generate.drops import DropWriter, encode_drops
from csc.generate.history import build_history
from csc.generate.realism import REALISM_STREAM, fit_the_child, make_consistent
from csc.generate.reference import demo_reference, synthetic_reference, write_reference
from csc.generate.service import SERVICE_STREAM
from csc.generate.statutory import (
    OWN_PROVISION_STREAM,
    STATUTORY_STREAM,
    add_statutory_fields,
)
from csc.generate.tables import assemble
from csc.generate.targets import (
    DEMO_LA,
    DEMO_YEAR,
    PERIOD_LABELS,
    LaPlan,
    demo_plan,
    read_appendix2,
    synthetic_plan,
)

DEMO_SEED = 2014
DROP_LAG = 14  # days between a period's end and the drop that first reports it


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date
    contacts: int

    @property
    def extract_date(self) -> date:
        """The drop that first reports this period: two weeks after it ends."""
        return self.end + timedelta(days=DROP_LAG)


def _demo_periods() -> list[Period]:
    appendix2 = read_appendix2()
    contacts = appendix2[(appendix2.measure_id == "contacts")
                         & appendix2.breakdown_by.isna()].set_index(
        "reporting_period")["numerator"]
    out = [Period("2012-13", date(DEMO_YEAR, 4, 1), date(DEMO_YEAR + 1, 3, 31),
                  int(contacts["2012-13"]))]
    for quarter, label in enumerate(PERIOD_LABELS[1:]):
        start = to_date(int(add_months(np.array([day(date(DEMO_YEAR + 1, 4, 1))]),
                                       3 * quarter)[0]))
        end = to_date(int(add_months(np.array([day(start)]), 3)[0]) - 1)
        out.append(Period(label, start, end, int(contacts[label])))
    return out


DEMO_PERIODS = _demo_periods()


@dataclass
class GenerationResult:
    drops: list[Path]
    rows: int
    shortfalls: list[str]


def _build_la(plan: LaPlan, working_days: WorkingDays, seed: int, horizon_end: int,
              contract: Contract) -> tuple[dict[str, pa.Table], pd.DataFrame, list[str]]:
    """One LA's contract tables, its true CAF child -> person mapping and the targets its
    history could not meet; the history and the tables draw from one random stream, the
    front door's bad spells (csc.generate.contacts.delay_decisions), the service (teams,
    workers, allocations), the contract v2 fields (csc.generate.statutory) and the postcodes
    of the LA's own provision each from one of their own (the seed and FRONT_DOOR_STREAM,
    SERVICE_STREAM, STATUTORY_STREAM, OWN_PROVISION_STREAM). An uncalibrated LA's codes are
    made consistent as the DfE's rules require (csc.generate.realism, REALISM_STREAM); the
    calibrated demo keeps its draws."""
    rng = np.random.default_rng(seed)
    history = build_history(plan, working_days, rng, horizon_end)
    front_door = np.random.default_rng([seed, FRONT_DOOR_STREAM])
    pull_back_cases(history, plan, working_days, front_door)
    delay_decisions(history, plan, working_days, horizon_end, front_door)
    realism = np.random.default_rng([seed, REALISM_STREAM])
    if not plan.calibrated:
        make_consistent(history, realism)
    tables, truth = assemble(plan.la_code, history, contract, plan.size, rng, horizon_end,
                             np.random.default_rng([seed, SERVICE_STREAM]),
                             born_before_caf=not plan.calibrated)
    if not plan.calibrated:
        fit_the_child(history, tables, realism)
    add_statutory_fields(plan.la_code, history, tables,
                         np.random.default_rng([seed, STATUTORY_STREAM]), horizon_end,
                         np.random.default_rng([seed, OWN_PROVISION_STREAM]))
    return tables, truth, history.shortfalls


def _dirt_plan(contract: Contract, tables: dict[str, pa.Table], dirt: float, seed: int,
               drop_days: list[int]) -> dict[str, TableDirt] | None:
    """The LA's spoiled records (csc.generate.dirt), drawn from a stream of their own (the
    LA's seed and DIRT_STREAM), so the clean records are the same with or without dirt."""
    if not dirt:
        return None
    return plan_dirt(contract, tables, dirt, drop_days,
                     np.random.default_rng([seed, DIRT_STREAM]))


def _write_dirt_truth(truth_dir: Path | None, rows: list[list[str]] | None) -> None:
    """DIR/dirt.csv: one row per spoiled record per drop, by extract date (LA order kept)."""
    if truth_dir is None or rows is None:
        return
    truth_dir.mkdir(parents=True, exist_ok=True)
    frame = pd.DataFrame(rows, columns=TRUTH_COLUMNS, dtype=object)
    frame.sort_values("extract_date", kind="stable").to_csv(truth_dir / "dirt.csv",
                                                            index=False)


def _write_truth(truth_dir: Path | None, frames: list[pd.DataFrame]) -> None:
    if truth_dir is None or not frames:
        return
    truth_dir.mkdir(parents=True, exist_ok=True)
    pd.concat(frames).to_csv(truth_dir / "caf_child_person.csv", index=False)


def generate_demo(out: Path, seed: int = DEMO_SEED, contract: Contract | None = None,
                  truth: Path | None = None, shortfalls: list[str] | None = None,
                  dirt: float = 0.0) -> list[Path]:
    """Write the calibrated Stockton-on-Tees demo drops under `out`; return the drop folders.
    Targets the build could not meet are appended to `shortfalls` when given. `dirt`: the
    share of records spoiled (csc.generate.dirt; listed in `truth`/dirt.csv)."""
    contract = contract or load_contract()
    rng = np.random.default_rng(seed)
    plan = demo_plan(rng)
    drops = [day(period.extract_date) for period in DEMO_PERIODS]
    working_days = WorkingDays(2003, DEMO_YEAR + 3)
    tables, truth_frame, short = _build_la(plan, working_days, seed + 1, max(drops), contract)
    if shortfalls is not None:
        shortfalls.extend(short)
    dirt_plan = _dirt_plan(contract, tables, dirt, seed + 1, drops)
    dirt_rows: list[list[str]] | None = None if dirt_plan is None else []
    writer = DropWriter(Path(out), contract)
    reference = demo_reference(plan.la_code, DEMO_YEAR + 1, seed + 2)
    columns = {name: contract.table(name).column_names for name in reference}
    for extract_day in drops:
        name = to_date(extract_day).isoformat()
        writer.write(name, tables, extract_day, dirt_plan, dirt_rows)
        write_reference(Path(out) / name, reference, to_date(extract_day), columns)
    _write_truth(truth, [truth_frame])
    _write_dirt_truth(truth, dirt_rows)
    return writer.drops()


def drop_days(first: date, last: date, how: str) -> list[int]:
    """Extract dates for a run from `first` to `last` (inclusive) taken `how` often."""
    start, end = day(first), day(last)
    if how == "final":
        return [end + DROP_LAG]
    if how == "nightly":
        return list(range(start, end + 1))  # an extract every night of the run
    step = {"quarterly": 3, "monthly": 1}[how]
    ends = add_months(np.array([start]), np.arange(step, 10_000, step)) - 1
    ends = ends[ends <= end]
    return [int(end) + DROP_LAG for end in ends]


def la_sizes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Contacts a year for n LAs: log-normal, about 1,000 to 30,000 (the English range)."""
    return np.clip(rng.lognormal(np.log(5500), 0.75, size=n), 1000, 30000)


def la_codes(n: int) -> list[str]:
    """n distinct three-digit LA codes, the demo's 808 first: the real DfE codes of the 152
    English authorities (seeds/english_local_authorities.csv, so the marts can place each
    in its region), then unused three-digit codes if more are asked for."""
    listed = pd.read_csv(PROJECT_DIR / "seeds" / "english_local_authorities.csv",
                         dtype=str)["la_code"].tolist()
    codes = [DEMO_LA] + [code for code in listed if code != DEMO_LA]
    codes += [str(code) for code in range(201, 999) if str(code) not in set(codes)]
    return codes[:n]


_CONTRACT: Contract | None = None


def _build_synthetic(args: tuple) -> tuple[list[dict], pd.DataFrame, list[str],
                                           list[list[str]] | None]:
    """Build one uncalibrated LA and encode its snapshots as CSV rows (run in a worker
    process, so building and encoding run in parallel and the parent only appends)."""
    global _CONTRACT
    la, position, seed, size, first_fy, last_fy, days, working_days, dirt = args
    if _CONTRACT is None:
        _CONTRACT = load_contract()
    la_rng = np.random.default_rng([seed, position])
    plan = synthetic_plan(la, first_fy, last_fy, size, la_rng)
    la_seed = int(la_rng.integers(2**31))
    tables, truth, short = _build_la(plan, working_days, la_seed, max(days), _CONTRACT)
    dirt_plan = _dirt_plan(_CONTRACT, tables, dirt, la_seed, days)
    dirt_rows: list[list[str]] | None = None if dirt_plan is None else []
    return encode_drops(_CONTRACT, tables, days, dirt_plan, dirt_rows), truth, short, dirt_rows


def generate(out: Path, las: list[str], first: date, last: date, drops: str = "final",
             seed: int = DEMO_SEED, truth: Path | None = None,
             progress: Callable[[int, int], None] | None = None, workers: int = 1,
             sizes: list[float] | None = None, contract: Contract | None = None,
             dirt: float = 0.0) -> GenerationResult:
    """Synthetic drops for many LAs from `first` to `last` (uncalibrated, scaled to size).

    Each LA is built on its own random stream (seed, LA position), so the output depends
    only on the arguments, not on `workers` (LAs are built in parallel processes and written
    in order). `progress` is called after each LA with the number of LAs finished and the
    rows written so far. `dirt`: the share of records spoiled (csc.generate.dirt), listed
    in `truth`/dirt.csv."""
    contract = contract or load_contract()
    rng = np.random.default_rng(seed)
    la_size = la_sizes(len(las), rng) if sizes is None else np.asarray(sizes, dtype=float)
    days = drop_days(first, last, drops)
    first_fy = first.year if first.month >= 4 else first.year - 1
    last_fy = last.year if last.month >= 4 else last.year - 1
    # The working-day calendar is built once here (the holidays package is slow to import)
    # and shipped to the workers with each job.
    working_days = WorkingDays(first_fy - 6, last_fy + 2)
    jobs = [(la, position, seed, float(la_size[position]), first_fy, last_fy, days,
             working_days, dirt) for position, la in enumerate(las)]
    writer = DropWriter(Path(out), contract)
    names = [to_date(extract_day).isoformat() for extract_day in days]
    truths, shortfalls = [], []
    dirt_rows: list[list[str]] | None = [] if dirt else None

    def consume(results: Iterator) -> None:
        for done, (encoded, truth_frame, short, spoiled) in enumerate(results, start=1):
            for name, snap in zip(names, encoded, strict=True):
                writer.append(name, snap)
            truths.append(truth_frame)
            shortfalls.extend(short)
            if dirt_rows is not None:
                dirt_rows.extend(spoiled)
            if progress is not None:
                progress(done, writer.rows)

    if workers > 1 and len(jobs) > 1:
        import multiprocessing as mp

        # Long-lived workers: starting a process means importing pandas and pyarrow again.
        with mp.get_context("spawn").Pool(workers) as pool:
            consume(pool.imap(_build_synthetic, jobs))
    else:
        consume(map(_build_synthetic, jobs))
    _write_synthetic_reference(Path(out), las, la_size, first_fy, last_fy, days, seed,
                               contract)
    _write_truth(truth, truths)
    _write_dirt_truth(truth, dirt_rows)
    return GenerationResult(drops=writer.drops(), rows=writer.rows, shortfalls=shortfalls)


def _write_synthetic_reference(out: Path, las: list[str], la_size: np.ndarray, first_fy: int,
                               last_fy: int, days: list[int], seed: int,
                               contract: Contract) -> None:
    """Every LA's population and Cafcass figures into each drop's reference folder."""
    reference: dict[str, list[dict[str, object]]] = {}
    for position, la in enumerate(las):
        tables = synthetic_reference(la, float(la_size[position]), first_fy, last_fy,
                                     np.random.default_rng([seed, position, 2]))
        for name, rows in tables.items():
            reference.setdefault(name, []).extend(rows)
    columns = {name: contract.table(name).column_names for name in reference}
    for extract_day in days:
        write_reference(out / to_date(extract_day).isoformat(), reference, to_date(extract_day),
                        columns)
