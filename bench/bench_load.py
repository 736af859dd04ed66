"""Benchmark the loader on a multi-LA dataset: rows loaded per second, and load time as a
multiple of a bare `select count(*) from read_csv(...)` over the same files.

The dataset is the demo drops (csc.generate.generate_demo, LA 808) replicated across N
synthetic three-digit LA codes: every drop file holds N LAs' rows, ordered by LA and key.
In the last drop 5% of contacts change and 1% disappear, so the increment closes versions
and records deletions as a real night would.

    .venv/bin/python bench/bench_load.py --las 100

Three measurements, each against its own bare count over the same files:
- full load: every drop into an empty work database (history built drop by drop);
- nightly increment: the last drop onto a work database holding the earlier ones;
- no-op rerun: nothing new (manifest check only).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from csc.config import limit_memory
from csc.contract import load_contract
from csc.generate import generate_demo
from csc.load import find_drops, load_new_drops
from csc.workdb import prepare_work_db

# In the last drop, as in a real nightly increment, some records change or disappear:
# 1 contact in 20 has its outcome changed, 1 in 100 is gone (deleted in the source).
CHURN = """select * replace (
               case when hash(la_code, contact_id) % 20 = 0
                    then case outcome when 'referral' then 'closed_logged' else 'referral' end
                    else outcome end as outcome)
           from ({rows}) where hash(la_code, contact_id) % 100 <> 7"""


def replicate(demo: Path, out: Path, la_codes: list[str]) -> int:
    """Write every demo drop under `out` with its rows repeated for each LA code (and some
    churn in the contacts of the last drop)."""
    contract = load_contract()
    codes = ", ".join(f"'{c}'" for c in la_codes)
    rows = 0
    dates = find_drops(demo)
    with duckdb.connect() as con:
        for extract_date in dates:
            for table in contract.tables.values():
                src = demo / extract_date / table.relative_path
                if not src.exists():
                    continue
                dst = out / extract_date / table.relative_path
                dst.parent.mkdir(parents=True, exist_ok=True)
                cols = ", ".join(f'"{c}"' for c in table.column_names if c != "la_code")
                key = ", ".join(f'"{c}"' for c in table.key if c != "la_code")
                select = f"""select la.code as la_code, {cols}
                             from read_csv('{src}', header = true, all_varchar = true) t,
                                  (select unnest([{codes}]) as code) la"""
                if table.name == "contacts" and extract_date == dates[-1]:
                    select = CHURN.format(rows=select)
                con.execute(
                    f"""copy ({select} order by la_code, {key})
                        to '{dst}' (header true, delimiter ',')""")
                rows += con.execute(
                    f"select count(*) from read_csv('{dst}', header = true)").fetchone()[0]
    return rows


def bare_count_seconds(files: list[Path]) -> tuple[float, int]:
    """Time `select count(*) from read_csv(file)` over each file (a fresh connection)."""
    total = 0
    with duckdb.connect() as con:
        started = time.perf_counter()
        for f in files:
            total += con.execute(
                f"select count(*) from read_csv('{f}', header = true)").fetchone()[0]
        return time.perf_counter() - started, total


def bare_copy_seconds(files: list[Path], database: Path) -> tuple[float, int]:
    """Time copying every file, all columns as text, into tables of a new DuckDB file
    (`create table as select * from read_csv(...)`, then close): the floor of storing the
    data at all. A bare count(*) reads no column, so it is far below what any load can do."""
    database.unlink(missing_ok=True)
    total = 0
    started = time.perf_counter()
    with duckdb.connect(str(database)) as con:
        limit_memory(con)
        for i, f in enumerate(files):
            total += con.execute(
                f"create table t{i} as select * from read_csv('{f}', header = true, "
                "all_varchar = true)").fetchone()[0]
    seconds = time.perf_counter() - started
    database.unlink()
    return seconds, total


def drop_files(landing: Path, dates: list[str]) -> list[Path]:
    return sorted(p for d in dates for p in (landing / d).rglob("*.csv"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--las", type=int, default=100, help="number of LAs (default 100)")
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    args = parser.parse_args()

    root = args.dir or Path(tempfile.mkdtemp(prefix="bench-load-"))
    demo, landing = root / "demo", root / "landing"
    shutil.rmtree(demo, ignore_errors=True)
    shutil.rmtree(landing, ignore_errors=True)
    generate_demo(demo)
    la_codes = [str(300 + i) for i in range(args.las)]
    started = time.perf_counter()
    rows = replicate(demo, landing, la_codes)
    dates = find_drops(landing)
    size_mb = sum(p.stat().st_size for p in drop_files(landing, dates)) / 1e6
    print(f"dataset: {args.las} LAs, {len(dates)} drops, {rows:,} data rows, {size_mb:.0f} MB "
          f"of CSV (made in {time.perf_counter() - started:.1f}s)")

    def report(label: str, result, seconds: float, count_seconds: float) -> None:
        print(f"{label}: {result.rows_read:,} rows in {seconds:.2f}s = "
              f"{result.rows_read / seconds:,.0f} rows/s; bare count(*) {count_seconds:.2f}s; "
              f"load/count ratio {seconds / count_seconds:.1f}x; versions added "
              f"{result.versions_added:,}, closed {result.versions_closed:,}, records deleted "
              f"{result.records_deleted:,}")
        steps = ", ".join(f"{step} {s:.2f}s ({s / count_seconds:.1f}x count)"
                          for step, s in result.seconds.items())
        print(f"  time by step: {steps}")

    # Full load: every drop into an empty work database.
    work = root / "full.work.duckdb"
    work.unlink(missing_ok=True)
    prepare_work_db(work)
    count_s, counted = bare_count_seconds(drop_files(landing, dates))
    started = time.perf_counter()
    result = load_new_drops(landing, work)
    seconds = time.perf_counter() - started
    assert result.rows_read == counted == rows, (result.rows_read, counted, rows)
    report("full load (all drops)", result, seconds, count_s)
    with duckdb.connect(str(work), read_only=True) as con:
        versions = con.execute("select count(*) from raw.contacts").fetchone()[0]
        in_order = con.execute(
            f"""select bool_and(_row_number = expected) from (
                  select _row_number, row_number() over (order by la_code, contact_id) + 1
                         as expected
                  from raw.contacts where _valid_from = '{dates[0]}')""").fetchone()[0]
    print(f"  raw.contacts holds {versions:,} versions for {len(dates)} drops; _row_number "
          f"matches the file's row order: {in_order}; work db "
          f"{work.stat().st_size / 1e6:.0f} MB")

    # Nightly increment: the last drop onto the history of the earlier ones.
    inc_landing = root / "landing-increment"
    shutil.rmtree(inc_landing, ignore_errors=True)
    inc_landing.mkdir()
    for d in dates[:-1]:
        (inc_landing / d).symlink_to(landing / d)
    inc_work = root / "increment.work.duckdb"
    inc_work.unlink(missing_ok=True)
    load_new_drops(inc_landing, prepare_work_db(inc_work))
    (inc_landing / dates[-1]).symlink_to(landing / dates[-1])
    count_s, _ = bare_count_seconds(drop_files(landing, dates[-1:]))
    started = time.perf_counter()
    result = load_new_drops(inc_landing, inc_work)
    seconds = time.perf_counter() - started
    report(f"nightly increment (drop {dates[-1]})", result, seconds, count_s)

    started = time.perf_counter()
    result = load_new_drops(inc_landing, inc_work)
    print(f"no-op rerun: {len(result.drops_loaded)} drops loaded in "
          f"{time.perf_counter() - started:.2f}s")
    if args.dir is None:
        shutil.rmtree(root)


if __name__ == "__main__":
    main()
