"""Write snapshots (drops) of built tables as at extract dates, in the contract's layout.

A drop as at day D holds every record recorded on or before D (`_rec`), with what was known
on D: fields that only become known later (a closure, a completion, an end) are empty until
their day. The referral's NFA flag is 'Y' from the day the NFA decision was recorded.
Files are written with pyarrow's CSV writer (RFC 4180 quoting, empty field = NULL, ISO
dates); several LAs append to the same file of a drop.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from csc.contract import Contract, Table
from csc.generate.dirt import TableDirt, apply_dirt
from csc.generate.tables import written_tables

# Fields that become known on their own date: trigger column -> columns blank until then.
MASKS: dict[str, dict[str, list[str]]] = {
    "contacts": {"decision_date": ["decision_date", "outcome"]},
    "referrals": {"closure_date": ["closure_date", "closure_reason"]},
    "s47_enquiries": {"end_date": ["end_date", "icpc_required"]},
    "cp_plans": {"end_date": ["end_date"]},
    "allocations": {"end_date": ["end_date"]},
    "cla_episodes": {"end_date": ["end_date", "reason_ceased"]},
    "caf_assessments": {"closure_date": ["closure_date", "closure_reason"]},
    # contract v2 (csc.generate.statutory)
    "persons": {"uasc_ceased_date": ["uasc_ceased_date"],
                "mother_child_dob": ["mother_child_dob"]},
    "assessments": {"completed_date": ["completed_date"],
                    "authorisation_date": ["authorisation_date", "factors"]},
    "cin_plans": {"end_date": ["end_date"]},
    "missing_episodes": {"end_date": ["end_date"]},
}
# Flags that turn Y on a day: column -> the day column (the stored value until then).
FLAG_FROM: dict[str, dict[str, str]] = {"persons": {"mother": "mother_child_dob"}}
# Values recoded on a day: column -> (hidden column of the new value, of the day; a day
# below 0: never). SSDA903 placement types of 2025-26 (csc.generate.statutory).
RECODED: dict[str, dict[str, tuple[str, str]]] = {
    "cla_episodes": {"placement_type": ("_placement_type_new", "_placement_type_from")}}


def snapshot(table: Table, frame: pa.Table, as_at: int) -> pa.Table:
    """The rows and values of one table as the source system held them on day `as_at`."""
    rows = frame.filter(pc.less_equal(frame["_rec"], as_at))
    hidden: dict[str, pa.ChunkedArray] = {}
    for trigger, cols in MASKS.get(table.name, {}).items():
        later = pc.greater(rows[trigger], as_at)
        for col in cols:
            hidden[col] = pc.or_(hidden[col], later) if col in hidden else later
    arrays = []
    for col in table.columns:
        if col.name not in rows.column_names:  # a column the generator does not write
            arrays.append(pa.nulls(rows.num_rows, pa.date32() if col.type == "date"
                                   else pa.string()))
            continue
        values = rows[col.name]
        mask = hidden.get(col.name)
        if col.type == "date":
            null = pc.less(values, 0)
            if mask is not None:
                null = pc.or_(null, mask)
            arrays.append(pc.if_else(null, pa.scalar(None, pa.int32()),
                                     pc.cast(values, pa.int32())).cast(pa.date32()))
            continue
        recoded = RECODED.get(table.name, {}).get(col.name)
        if recoded is not None and recoded[0] in rows.column_names:
            since = rows[recoded[1]]
            values = pc.if_else(pc.and_(pc.greater_equal(since, 0),
                                        pc.less_equal(since, as_at)), rows[recoded[0]], values)
        flag_day = FLAG_FROM.get(table.name, {}).get(col.name)
        if flag_day is not None:
            known = rows[flag_day]
            values = pc.if_else(pc.and_(pc.greater_equal(known, 0),
                                        pc.less_equal(known, as_at)), "Y", values)
        if table.name == "referrals" and col.name == "referral_nfa":
            nfa = rows["_nfa"]
            arrays.append(pc.if_else(pc.and_(pc.greater_equal(nfa, 0), pc.less_equal(nfa, as_at)),
                                     "Y", "N"))
            continue
        null = pc.equal(values, "")
        if mask is not None:
            null = pc.or_(null, mask)
        arrays.append(pc.if_else(null, pa.scalar(None, pa.string()), values))
    return pa.Table.from_arrays(arrays, names=table.column_names)


def encode(table: Table, frame: pa.Table, as_at: int, dirt: TableDirt | None = None,
           truth: list[list[str]] | None = None) -> tuple[bytes, int]:
    """The snapshot of one table as CSV rows (no header) and how many rows: done where the
    LA was built (a worker process), so the writer only appends bytes. With `dirt`
    (csc.generate.dirt) its records spoiled as of `as_at` are spoiled, and one row per
    spoiled record is appended to `truth`."""
    snap = snapshot(table, frame, as_at)
    sink = pa.BufferOutputStream()
    pacsv.write_csv(snap, sink, write_options=pacsv.WriteOptions(
        include_header=False, quoting_style="needed"))
    data, rows = sink.getvalue().to_pybytes(), snap.num_rows
    if dirt is not None:
        data, rows, spoiled = apply_dirt(table, frame, snap, data, dirt, as_at)
        if truth is not None:
            extract_date = str(np.datetime64(int(as_at), "D"))
            truth.extend([extract_date, *row] for row in spoiled)
    return data, rows


def encode_drops(contract: Contract, tables: dict[str, pa.Table], days: list[int],
                 dirt: dict[str, TableDirt] | None = None,
                 truth: list[list[str]] | None = None) -> list[dict[str, tuple[bytes, int]]]:
    """Every table of one LA, as at each extract day: [{table name: (csv rows, n)}]; with
    `dirt`, spoiled (the spoiled records listed in `truth`, drop after drop)."""
    return [{t.name: encode(t, tables[t.name], d, None if dirt is None else dirt[t.name],
                            truth) for t in written_tables(contract, tables)}
            for d in days]


def _header(table: Table) -> bytes:
    sink = pa.BufferOutputStream()
    empty = pa.table({c: pa.array([], pa.string()) for c in table.column_names})
    pacsv.write_csv(empty, sink, write_options=pacsv.WriteOptions(
        include_header=True, quoting_style="needed"))
    return sink.getvalue().to_pybytes()


# Written into every drop folder the generator makes: a refresh of drops without it is a
# refresh of real data, which must not use the public demo pseudonym key (csc.commands.refresh).
SYNTHETIC_MARKER = "SYNTHETIC"
MARKER_TEXT = (b"Synthetic data written by `csc generate`: no real person is in this drop.\n")


class DropWriter:
    """Appends each LA's snapshot to the drop's files; writes headers once."""

    def __init__(self, out: Path, contract: Contract) -> None:
        self.out, self.contract = out, contract
        self.started: set[Path] = set()
        self.rows = 0

    def write(self, drop_name: str, tables: dict[str, pa.Table], as_at: int,
              dirt: dict[str, TableDirt] | None = None,
              truth: list[list[str]] | None = None) -> None:
        self.append(drop_name, encode_drops(self.contract, tables, [as_at], dirt, truth)[0])

    def append(self, drop_name: str, encoded: dict[str, tuple[bytes, int]]) -> None:
        """Append one LA's encoded snapshot (encode_drops) to the drop's files."""
        for table in (t for t in self.contract.tables.values() if t.name in encoded):
            path = self.out / drop_name / table.relative_path
            data, rows = encoded[table.name]
            first = path not in self.started
            if first:
                path.parent.mkdir(parents=True, exist_ok=True)
                self.started.add(path)
                (self.out / drop_name / SYNTHETIC_MARKER).write_bytes(MARKER_TEXT)
            with path.open("wb" if first else "ab") as fh:
                if first:
                    fh.write(_header(table))
                fh.write(data)
            self.rows += rows

    def drops(self) -> list[Path]:
        return sorted({p.parents[1] for p in self.started})
