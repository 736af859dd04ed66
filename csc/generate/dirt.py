"""Dirt on request (`csc generate --dirt SHARE`): records spoiled the way real extracts are.

Each record of a contract table is spoiled with probability SHARE, with one fault the
contract's rules can see (docs/extract-contract.md):

| fault | what | the loader's rule |
|---|---|---|
| `future-date` | a year typed wrong: 2013-05-04 as 2103-05-04 (year + 90) | implausible-date |
| `ancient-date` | the 1900-01-01 "unknown" placeholder | implausible-date |
| `day-month-swapped` | 2013-05-24 as 2013-24-05 (a day after the 12th only) | impossible-date |
| `end-before-start` | an end (`date_order`) 1-60 days before its start | end-before-start |
| `unknown-code` | a code not in its list (`RC29`; a label: `Not known`) | not-in-code-list |
| `code-wrong-case` | `rc2`, `Police` as `POLICE` | not-in-code-list |
| `code-with-spaces` | ` RC2` or `RC2 ` | not-in-code-list |
| `orphan-reference` | a reference to no record of the drop (`P9000042`) | missing-parent |
| `blank-required` | a required column left empty | required |
| `duplicate-row` | the whole row written twice | duplicate-row |

Primary-key columns are never spoiled (a duplicated row is the same row twice, never two
rows sharing a key). A record is spoiled once in the run, for 30 to 365 days (entered
wrongly, or spoiled by a later edit, then fixed as a worker correcting it would): the drops
in between hold it spoiled, the drops before and after hold it clean. When the spoiling
starts is uniform over the run (from a year before the record can first be in a drop),
and each record's chance of being spoiled is scaled to that span, so about SHARE of the
records of every drop are spoiled, the first drop and the last alike. A value the drop
does not hold yet (an end not yet known) is not spoiled in that drop.

The plan is drawn from its own random stream, after the clean tables are built, so the
clean records are the same with or without dirt, and without dirt nothing here runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from csc.contract import Contract, Table
from csc.generate.calendar import iso
from csc.generate.tables import written_tables

FAULTS = ("future-date", "ancient-date", "day-month-swapped", "end-before-start",
          "unknown-code", "code-wrong-case", "code-with-spaces", "orphan-reference",
          "blank-required", "duplicate-row")
TRUTH_COLUMNS = ["extract_date", "la_code", "source_system", "table", "record_key", "column",
                 "fault", "original_value", "spoiled_value"]
FIX_AFTER = (30, 365)  # days a spoiled record stays spoiled, at least and at most
DIRT_STREAM = 0xD127  # mixed into the LA's seed: the dirt's own random stream
LAST_DAY = 10**7  # day numbers at or past this are "never" (an open referral's closure)


@dataclass
class TableDirt:
    """One table's spoiled records, aligned with the table's rows: `column` (None: not
    spoiled; '' for a duplicated row), fault, original and spoiled value as written,
    `since` (the day it is spoiled) and `until` (the day it is fixed: drops on or after it
    hold the record clean)."""

    column: pa.Array
    fault: pa.Array
    original: pa.Array
    spoiled: pa.Array
    since: np.ndarray
    until: np.ndarray


def _text(table: Table, frame: pa.Table, name: str, rows: np.ndarray) -> list[str | None]:
    """The values of column `name` at `rows` as the drop writes them (None: empty)."""
    values = frame[name].take(pa.array(rows, pa.int64()))
    if table.column(name).type == "date":
        days = np.asarray(values.to_numpy(zero_copy_only=False), dtype=np.int64)
        out = iso(np.where(days >= LAST_DAY, -1, days))
        return [v if v else None for v in out]
    return [v if v else None for v in values.to_pylist()]


def _candidates(table: Table) -> dict[str, list[str]]:
    """Fault -> the columns of `table` it can spoil."""
    key = set(table.key)
    # the columns of contract v1 only: the faults drawn stay those of drops before v2
    cols = [c for c in table.columns if c.name not in key and c.since is None]
    out: dict[str, list[str]] = {}
    dates = [c.name for c in cols if c.type == "date"]
    codes = [c.name for c in cols if c.type == "code" and c.codes]
    for fault in ("future-date", "ancient-date", "day-month-swapped"):
        out[fault] = dates
    out["end-before-start"] = [end for start, end in table.date_order
                               if table.column(end).since is None]
    for fault in ("unknown-code", "code-wrong-case", "code-with-spaces"):
        out[fault] = codes
    out["orphan-reference"] = [c.name for c in cols if c.parent is not None]
    out["blank-required"] = [c.name for c in cols if c.required]
    out["duplicate-row"] = [""]
    return {fault: names for fault, names in out.items() if names}


def _spoil(fault: str, value: str, start: str | None, codes: tuple[str, ...] | None,
           parent_ids: set[str] | None, rng: np.random.Generator) -> str | None | bool:
    """The spoiled form of `value`, or False when this fault cannot spoil it visibly."""
    if fault == "future-date":
        year, month, dom = value.split("-")
        return f"{int(year) + 90}-{month}-{'28' if (month, dom) == ('02', '29') else dom}"
    if fault == "ancient-date":
        return "1900-01-01"
    if fault == "day-month-swapped":
        year, month, dom = value.split("-")
        return f"{year}-{dom}-{month}" if int(dom) > 12 else False
    if fault == "end-before-start":
        if start is None:
            return False
        before = np.datetime64(start) - np.timedelta64(int(rng.integers(1, 61)), "D")
        return str(before)
    if fault == "unknown-code":
        spoiled = "Not known" if len(value) > 5 else f"{value}9"  # labels, short codes
        return spoiled if spoiled not in (codes or ()) else False
    if fault == "code-wrong-case":
        spoiled = value.lower() if value.lower() != value else value.upper()
        return spoiled if spoiled != value else False
    if fault == "code-with-spaces":
        return f" {value}" if rng.random() < 0.5 else f"{value} "
    if fault == "orphan-reference":
        head = len(value) - len(value.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        if head >= len(value):
            return False
        spoiled = value[:head] + "9" + value[head + 1:]
        return spoiled if spoiled != value and spoiled not in (parent_ids or set()) else False
    if fault == "blank-required":
        return None
    raise ValueError(fault)


def plan_dirt(contract: Contract, tables: dict[str, pa.Table], share: float,
              drop_days: list[int], rng: np.random.Generator) -> dict[str, TableDirt]:
    """Which records of each table are spoiled, how and for which days: about `share` of
    the records of each drop (`drop_days`: the extract dates)."""
    days = np.sort(np.asarray(drop_days, dtype=np.int64))
    mean_spoiled = (FIX_AFTER[0] + FIX_AFTER[1]) / 2
    plans: dict[str, TableDirt] = {}
    for table in written_tables(contract, tables):
        frame = tables[table.name]
        n = frame.num_rows
        candidates = _candidates(table)
        recorded = frame["_rec"].to_numpy()
        # spoiled from `since`, uniform from a year before the record can first be in a
        # drop to the last drop, for 30-365 days; chance scaled to the span (see above)
        shown_from = np.maximum(recorded, days[0])
        span = np.maximum(days[-1] - shown_from, 0) + FIX_AFTER[1] + 1
        since = shown_from - FIX_AFTER[1] + np.floor(rng.random(n) * span).astype(np.int64)
        until = since + rng.integers(FIX_AFTER[0], FIX_AFTER[1] + 1, n)
        chance = np.minimum(1.0, share * span / mean_spoiled)
        # only records that some drop holds spoiled are planned
        held_from = np.searchsorted(days, np.maximum(since, recorded), side="left")
        held_to = np.searchsorted(days, until, side="left")
        chosen = np.flatnonzero((rng.random(n) < chance) & (held_to > held_from))
        faults = list(candidates)
        fault_of = rng.integers(0, len(faults), len(chosen))
        column = [None] * n
        fault = [None] * n
        original: list[str | None] = [None] * n
        spoiled: list[str | None] = [None] * n
        values = {name: _text(table, frame, name, chosen) for name in table.column_names
                  if name not in table.key and name in frame.column_names}
        parents: dict[str, set[str]] = {}
        for position, (row, pick) in enumerate(zip(chosen, fault_of, strict=True)):
            # the drawn fault, else the next one that can spoil this record visibly
            for attempt in range(len(faults)):
                name_of_fault = faults[(pick + attempt) % len(faults)]
                if name_of_fault == "duplicate-row":
                    column[row], fault[row] = "", name_of_fault
                    original[row] = spoiled[row] = ""
                    break
                names = [c for c in candidates[name_of_fault]
                         if values[c][position] is not None]
                if not names:
                    continue
                col = names[int(rng.integers(0, len(names)))]
                parent_ids = None
                if name_of_fault == "orphan-reference":
                    parent_table, parent_column = table.column(col).parent  # type: ignore[misc]
                    if col not in parents:
                        parents[col] = set(tables[parent_table][parent_column].to_pylist())
                    parent_ids = parents[col]
                start = None
                if name_of_fault == "end-before-start":
                    start_col = dict((e, s) for s, e in table.date_order)[col]
                    start = values[start_col][position]
                value = _spoil(name_of_fault, values[col][position], start,
                               table.column(col).codes, parent_ids, rng)
                if value is False:
                    continue
                column[row], fault[row] = col, name_of_fault
                original[row], spoiled[row] = values[col][position], value
                break
        plans[table.name] = TableDirt(
            column=pa.array(column, pa.string()), fault=pa.array(fault, pa.string()),
            original=pa.array(original, pa.string()), spoiled=pa.array(spoiled, pa.string()),
            since=since, until=until)
    return plans


def _render(table: Table, record: dict) -> bytes:
    """One row as pyarrow's CSV writer writes it (csc.generate.drops): text quoted, dates
    bare, empty for missing; a spoiled date (text now) stays bare."""
    fields = []
    for name in table.column_names:
        value = record[name]
        if value is None:
            fields.append("")
        elif isinstance(value, date):
            fields.append(value.isoformat())
        elif table.column(name).type == "date":
            fields.append(value)
        else:
            fields.append('"' + value.replace('"', '""') + '"')
    return ",".join(fields).encode()


def _key_text(value: object) -> str:
    return "" if value is None else value.isoformat() if isinstance(value, date) else str(value)


def apply_dirt(table: Table, frame: pa.Table, snap: pa.Table, data: bytes, dirt: TableDirt,
               as_at: int) -> tuple[bytes, int, list[list[str]]]:
    """The CSV rows `data` of snapshot `snap` (the rows of `frame` recorded by `as_at`) with
    the records spoiled as of `as_at` spoiled: (rows, how many, one truth row per spoiled
    record: TRUTH_COLUMNS without the extract date). Only spoiled rows are rewritten, so
    every other byte is the clean run's."""
    kept = pc.less_equal(frame["_rec"], as_at)
    column = dirt.column.filter(kept)
    held = kept.to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False)
                          & (dirt.since[held] <= as_at) & (dirt.until[held] > as_at))
    if not len(rows):
        return data, snap.num_rows, []
    lines = data.split(b"\n")
    if len(lines) != snap.num_rows + 1:
        raise ValueError(f"{table.name}: a value spans lines; cannot spoil rows in place")
    take = pa.array(rows, pa.int64())
    truth, duplicated = [], 0
    for row, record, name, fault, original, spoiled in zip(
            rows, snap.take(take).to_pylist(), column.take(take).to_pylist(),
            dirt.fault.filter(kept).take(take).to_pylist(),
            dirt.original.filter(kept).take(take).to_pylist(),
            dirt.spoiled.filter(kept).take(take).to_pylist(), strict=True):
        if fault == "duplicate-row":
            lines[row] = lines[row] + b"\n" + lines[row]
            duplicated += 1
        elif record[name] is None:
            continue  # the drop does not hold this value yet: nothing to spoil
        else:
            record[name] = spoiled
            lines[row] = _render(table, record)
        truth.append([record["la_code"], table.system, table.name,
                      "|".join(_key_text(record[k]) for k in table.key), name, fault,
                      original or "", spoiled or ""])
    return b"\n".join(lines), snap.num_rows + duplicated, truth
