"""Small helpers shared by the two returns."""

from __future__ import annotations

from datetime import date

import pandas as pd

# Columns of record_map.csv (docs/returns.md): which source record stands behind each row a
# validator may name.
RECORD_MAP_COLUMNS = ["return", "table", "child_id", "source_table", "record_id", "row"]


def ts(value: date) -> pd.Timestamp:
    return pd.Timestamp(value)


def in_year(series: pd.Series, start: date, end: date) -> pd.Series:
    """True where the date falls in the collection year (both ends included)."""
    return series.notna() & (series >= ts(start)) & (series <= ts(end))


def open_in_year(start: pd.Series, end: pd.Series, year_start: date, year_end: date
                 ) -> pd.Series:
    """True where a spell from `start` to `end` (empty: still open) overlaps the year."""
    return (start.notna() & (start <= ts(year_end))
            & (end.isna() | (end >= ts(year_start))))


def known_by(series: pd.Series, cutoff: date) -> pd.Series:
    """The date where it is on or before `cutoff` (the end of the collection year): a
    later end is not yet known to the return, so the spell shows as open."""
    return series.where(series.notna() & (series <= ts(cutoff)))


def flag(value) -> bool | None:
    """A contract flag as read from staging (boolean, or Y/N where staging left text)."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    if isinstance(value, str):
        return {"Y": True, "N": False, "TRUE": True, "FALSE": False}.get(value.upper())
    return bool(value)


def text(value) -> str | None:
    """A code or text value, None when empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    value = str(value).strip()
    return value or None


def codes(value) -> list[str]:
    """A `;`-separated list of codes (contract v2 disabilities, assessment factors)."""
    value = text(value)
    if not value:
        return []
    seen: list[str] = []
    for code in value.split(";"):
        code = code.strip()
        if code and code not in seen:
            seen.append(code)
    return seen
