"""Write the returns of one collection year, per LA, into the folder the user names:

    <out>/<la_code>/ssda903/header.csv episodes.csv reviews.csv oc3.csv [uasc.csv ...]
    <out>/<la_code>/cin_census.xml
    <out>/<la_code>/record_map.csv

Returns hold personal data by law (UPN, date of birth, postcodes): they are written only
here, never into the published warehouse (docs/returns.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from csc.returns import cin_census, ssda903
from csc.returns.source import CollectionYear, ReturnsError, ReturnSource

# Tables written even when empty: the DfE's minimum (an LA with no care leavers still
# sends OC3 with its header row).
ALWAYS_WRITTEN = {"Header", "Episodes", "Reviews", "OC3"}


@dataclass
class LaReturns:
    la_code: str
    folder: Path
    rows: dict[str, int] = field(default_factory=dict)  # 903 table -> rows
    cin_children: int = 0
    cin_referrals: int = 0


@dataclass
class ReturnsRun:
    year: CollectionYear
    as_at: date
    out: Path
    las: list[LaReturns]
    partial_year: bool


def resolve(source: ReturnSource, year_label: str, as_at: date | str | None,
            la_code: str | None) -> tuple[CollectionYear, date, list[str]]:
    """Check the year, the extract date and the LA against what the work database holds."""
    year = CollectionYear.parse(year_label)
    extracts = source.extract_dates()
    if not extracts:
        raise ReturnsError(f"no extract has been loaded into {source.path}: run "
                           "`csc refresh` first")
    if as_at is None or as_at == "":
        chosen = extracts[-1]
    else:
        try:
            chosen = as_at if isinstance(as_at, date) else date.fromisoformat(str(as_at))
        except ValueError as exc:
            raise ReturnsError(f"--as-at must be a date (YYYY-MM-DD): got {as_at!r}") from exc
        if chosen not in extracts:
            listed = ", ".join(d.isoformat() for d in extracts[-6:])
            raise ReturnsError(
                f"no extract was loaded for {chosen.isoformat()}: --as-at must be the date "
                f"of a loaded extract ({len(extracts)} loaded, from "
                f"{extracts[0].isoformat()} to {extracts[-1].isoformat()}; the latest: "
                f"{listed})")
    first = source.first_referral_date(chosen)
    first_year = CollectionYear.parse(_year_of(first or chosen))
    last_year = CollectionYear.parse(_year_of(chosen))
    if year.start > chosen or year.start < first_year.start:
        raise ReturnsError(
            f"the data as at {chosen.isoformat()} does not cover the collection year "
            f"{year.label}: its history (referrals from {(first or chosen).isoformat()}) "
            f"covers {first_year.label} to {last_year.label} (choose a year in that range, "
            "or an extract taken during or after the year with --as-at)")
    las = source.la_codes(chosen)
    if la_code:
        if la_code not in las:
            raise ReturnsError(f"LA {la_code} is not in the extract of {chosen.isoformat()} "
                               f"(LAs there: {', '.join(las) or 'none'})")
        las = [la_code]
    return year, chosen, las


def _year_of(day: date) -> str:
    first = day.year if day.month >= 4 else day.year - 1
    return f"{first}-{(first + 1) % 100:02d}"


def write_returns(work_db: Path, year_label: str, out: Path, as_at: date | str | None = None,
                  la_code: str | None = None, run_time: datetime | None = None
                  ) -> ReturnsRun:
    out = Path(out)
    with ReturnSource(work_db) as source:
        year, chosen, las = resolve(source, year_label, as_at, la_code)
        written = []
        for la in las:
            written.append(_write_la(source, la, year, chosen, out / la, run_time))
    return ReturnsRun(year=year, as_at=chosen, out=out, las=written,
                      partial_year=chosen < year.end)


def _write_la(source: ReturnSource, la: str, year: CollectionYear, as_at: date,
              folder: Path, run_time: datetime | None) -> LaReturns:
    lac = ssda903.build(source, la, year, as_at)
    cin = cin_census.build(source, la, year, as_at, run_time)
    folder_903 = folder / "ssda903"
    folder_903.mkdir(parents=True, exist_ok=True)
    result = LaReturns(la_code=la, folder=folder, cin_children=cin.children,
                       cin_referrals=cin.referrals)
    for table, file_name in ssda903.FILES.items():
        frame = lac.tables[table]
        path = folder_903 / file_name
        if frame.empty and table not in ALWAYS_WRITTEN:
            path.unlink(missing_ok=True)  # from an earlier run into the same folder
            continue
        frame.to_csv(path, index=False)
        result.rows[table] = len(frame)
    (folder / "cin_census.xml").write_bytes(cin.xml)
    record_map = pd.concat([lac.record_map, cin.record_map], ignore_index=True)
    record_map.to_csv(folder / "record_map.csv", index=False)
    return result
