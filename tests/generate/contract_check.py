"""Read every file of a drop back against the extract contract: header, required values,
codes, dates, unique keys, parents present, date order. Returns the problems found.
Optional tables (raise/allocations.csv, the reference tables) are checked when present."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from csc.contract import CODES_SEPARATOR, load_contract


def check_drop(drop: Path) -> list[str]:
    contract = load_contract()
    problems: list[str] = []
    frames: dict[str, pd.DataFrame] = {}
    tables = contract.required_tables() + [
        t for t in contract.tables.values() if t.optional and (drop / t.relative_path).exists()]
    for table in tables:
        path = drop / table.relative_path
        if not path.exists():
            problems.append(f"{path}: missing")
            continue
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        frames[table.name] = df
        if list(df.columns) != table.column_names:
            problems.append(f"{path}: columns {list(df.columns)}")
            continue
        for col in table.columns:
            v = df[col.name]
            filled = v[v != ""]
            if col.required and len(filled) < len(v):
                problems.append(f"{path}: {col.name} empty in {len(v) - len(filled)} rows")
            if col.type == "codes":  # several codes separated by `;`
                filled = filled.str.split(CODES_SEPARATOR).explode()
            if col.codes is not None and not filled.isin(col.codes).all():
                problems.append(f"{path}: {col.name} codes {sorted(set(filled) - set(col.codes))}")
            if col.type == "date":
                parsed = pd.to_datetime(filled, format="%Y-%m-%d", errors="coerce")
                if parsed.isna().any():
                    problems.append(f"{path}: {col.name} bad dates")
            if col.type == "flag" and not filled.isin(["Y", "N"]).all():
                problems.append(f"{path}: {col.name} bad flags")
        if df.duplicated(list(table.key)).any():
            problems.append(f"{path}: duplicate keys {list(table.key)}")
        for first, second in table.date_order:
            both = df[(df[first] != "") & (df[second] != "")]
            if (both[second] < both[first]).any():
                problems.append(f"{path}: {second} before {first}")
    for table in tables:
        df = frames.get(table.name)
        if df is None:
            continue
        for col in table.columns:
            if col.parent is None:
                continue
            parent_table, parent_col = col.parent
            values = set(df.loc[df[col.name] != "", col.name])
            missing = values - set(frames[parent_table][parent_col])
            if missing:
                problems.append(f"{table.name}.{col.name}: {len(missing)} without a parent "
                                f"in {parent_table}, e.g. {sorted(missing)[:3]}")
    return problems
