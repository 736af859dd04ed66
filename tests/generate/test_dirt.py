"""`--dirt SHARE`: spoiled records, exactly those listed in the truth's dirt.csv, seen by
the loader; without it nothing changes (test_output_pinned pins the clean bytes)."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

from csc.contract import load_contract
from csc.generate import generate
from csc.generate.dirt import FAULTS, TRUTH_COLUMNS
from csc.load import load_new_drops
from csc.workdb import prepare_work_db

LAS = ["201", "202"]
RULE_OF_FAULT = {
    "future-date": "implausible-date", "ancient-date": "implausible-date",
    "day-month-swapped": "impossible-date", "end-before-start": "end-before-start",
    "unknown-code": "not-in-code-list", "code-wrong-case": "not-in-code-list",
    "code-with-spaces": "not-in-code-list", "orphan-reference": "missing-parent",
    "blank-required": "required", "duplicate-row": "duplicate-row"}
WINDOW = (date(2011, 4, 1), date(2012, 9, 30))


def _run(out: Path, dirt: float) -> None:
    generate(out / "landing", LAS, *WINDOW, "monthly", seed=11, truth=out / "truth",
             sizes=[1500.0, 1000.0], workers=1, dirt=dirt)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Path]:
    clean, dirty = tmp_path_factory.mktemp("clean"), tmp_path_factory.mktemp("dirty")
    _run(clean, 0.0)
    _run(dirty, 0.01)
    return clean, dirty


def _rows(path: Path, key: tuple[str, ...]) -> tuple[list[str], Counter, dict]:
    with path.open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        rows = [tuple(row) for row in reader]
    where = [header.index(k) for k in key]
    by_key: dict[str, list[tuple]] = {}
    for row in rows:
        by_key.setdefault("|".join(row[i] for i in where), []).append(row)
    return header, Counter(rows), by_key


def _truth(folder: Path) -> list[dict[str, str]]:
    with (folder / "truth" / "dirt.csv").open(newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == TRUTH_COLUMNS
        return list(reader)


def test_the_truth_lists_exactly_the_records_that_differ_from_the_clean_run(runs):
    clean, dirty = runs
    contract = load_contract()
    truth = _truth(dirty)
    listed = {(t["extract_date"], t["table"], t["record_key"]): t for t in truth}
    assert len(listed) == len(truth)  # one row per spoiled record per drop
    drops = sorted(p.name for p in (clean / "landing").iterdir())
    assert drops == sorted(p.name for p in (dirty / "landing").iterdir())
    differing = set()
    for drop in drops:
        files = sorted(p.relative_to(clean / "landing" / drop)
                       for p in (clean / "landing" / drop).rglob("*.csv"))
        assert files == sorted(p.relative_to(dirty / "landing" / drop)
                               for p in (dirty / "landing" / drop).rglob("*.csv"))
        for file in files:
            table = contract.table(file.stem)
            header, clean_rows, clean_by_key = _rows(clean / "landing" / drop / file, table.key)
            dirty_header, dirty_rows, dirty_by_key = _rows(dirty / "landing" / drop / file,
                                                           table.key)
            assert header == dirty_header
            # keys are never spoiled: the same records, each once (or twice: duplicated)
            assert clean_by_key.keys() == dirty_by_key.keys()
            for key, versions in dirty_by_key.items():
                if versions != clean_by_key[key]:
                    differing.add((drop, table.name, key))
                    t = listed[(drop, table.name, key)]
                    if t["fault"] == "duplicate-row":
                        assert versions == clean_by_key[key] * 2
                        continue
                    (row,), (clean_row,) = versions, clean_by_key[key]
                    column = header.index(t["column"])
                    assert clean_row[column] == t["original_value"]
                    assert row[column] == t["spoiled_value"]
                    assert [v for i, v in enumerate(row) if i != column] == [
                        v for i, v in enumerate(clean_row) if i != column]
            assert sum(dirty_rows.values()) >= sum(clean_rows.values())
    assert differing == set(listed)
    assert len(differing) > 100
    clean_truth = (clean / "truth" / "caf_child_person.csv").read_bytes()
    assert clean_truth == (dirty / "truth" / "caf_child_person.csv").read_bytes()
    assert not (clean / "truth" / "dirt.csv").exists()


def test_spoiled_records_stay_spoiled_for_a_while_then_are_fixed(runs):
    _, dirty = runs
    drops: dict[tuple[str, str], list[str]] = {}
    for t in _truth(dirty):
        drops.setdefault((t["table"], t["record_key"]), []).append(t["extract_date"])
    all_drops = sorted(p.name for p in (dirty / "landing").iterdir())
    kept = [d for d in drops.values() if len(d) >= 2]
    assert len(kept) > 50
    # fixed: spoiled in some drops and clean in a later one (still held, keys never go)
    fixed = [d for d in drops.values() if d[-1] < all_drops[-1]]
    assert len(fixed) > 50
    for spoiled_in in drops.values():  # spoiled in consecutive drops only
        first = all_drops.index(spoiled_in[0])
        assert spoiled_in == all_drops[first:first + len(spoiled_in)]


def test_every_fault_occurs(runs):
    _, dirty = runs
    faults = Counter(t["fault"] for t in _truth(dirty))
    assert set(faults) == set(FAULTS)
    assert min(faults.values()) >= 5


def test_the_loader_sees_the_dirt(runs, tmp_path, monkeypatch):
    """Since record-level problems load (docs/loading.md), the first drop loads and every
    spoiled record is flagged, by its rule, and no other record is. (The share is lifted:
    the small LAs' worker tables can pass 5% with a couple of spoiled rows.)"""
    _, dirty = runs
    monkeypatch.setenv("CSC_MAX_PROBLEM_SHARE", "0.5")
    first = sorted(p.name for p in (dirty / "landing").iterdir())[0]
    landing = tmp_path / "landing"
    shutil.copytree(dirty / "landing" / first, landing / first)
    truth = [t for t in _truth(dirty) if t["extract_date"] == first]
    work = prepare_work_db(tmp_path / "work.duckdb")
    assert load_new_drops(landing, work).drops_loaded == [first]
    with duckdb.connect(str(work), read_only=True) as con:
        flagged = con.execute(
            """select table_name, record_key, coalesce(column_name, ''), rule, value
               from meta.record_problems""").fetchall()
    assert sorted((t, k, c, r) for t, k, c, r, _ in flagged) == sorted(
        (t["table"], t["record_key"], t["column"], RULE_OF_FAULT[t["fault"]]) for t in truth)
    spoiled = {(t["table"], t["record_key"], t["column"]): t["spoiled_value"] for t in truth}
    for table, key, column, rule, value in flagged:
        assert value == (spoiled[(table, key, column)] or None), (table, key, column, rule)


def test_dirt_changes_no_clean_draw(tmp_path):
    """A different share spoils different records, but every record neither run spoiled
    is the same: the dirt has its own random stream."""
    for share in (0.0, 0.05):
        generate(tmp_path / str(share), ["201"], date(2012, 4, 1), date(2012, 9, 30),
                 "final", seed=3, sizes=[1000.0], workers=1, dirt=share)
    drop = next((tmp_path / "0.0").iterdir()).name
    for file in ("raise/contacts.csv", "raise/persons.csv", "caf/caf_children.csv"):
        clean = (tmp_path / "0.0" / drop / file).read_text().splitlines()
        dirty = set((tmp_path / "0.05" / drop / file).read_text().splitlines())
        same = sum(line in dirty for line in clean)
        assert 0.85 * len(clean) < same < len(clean)


def test_cli_dirt_writes_the_truth_and_refuses_a_share_out_of_range(tmp_path):
    from csc.cli import main as csc_main

    out, truth = tmp_path / "landing", tmp_path / "truth"
    assert csc_main(["generate", "--out", str(out), "--las", "201", "--from", "2012-04-01",
                     "--to", "2013-03-31", "--drops", "quarterly", "--workers", "1",
                     "--dirt", "0.01", "--truth", str(truth)]) == 0
    spoiled = _truth(tmp_path)
    assert {t["extract_date"] for t in spoiled} == {p.name for p in out.iterdir()}
    with pytest.raises(SystemExit, match="share"):
        csc_main(["generate", "--out", str(out), "--dirt", "1.5"])
