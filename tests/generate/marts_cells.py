"""Count published Appendix 2 cells reproduced exactly through the marts of a built
warehouse (`marts.measure_values_as_reported`, LA 808), the same cell-by-cell rule as the
reference comparison: every printed numerator, denominator and value (a value compared at
its printed precision; N/A cells not compared).

    .venv/bin/python -m tests.generate.marts_cells /tmp/gen-wh/csc.duckdb
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pandas as pd

SEEDS = Path(__file__).resolve().parents[2] / "seeds"


def marts_cells(warehouse: Path, seeds: Path = SEEDS, la_code: str = "808") -> pd.DataFrame:
    """One row per published cell: published, computed (from the marts), exact."""
    a2 = pd.read_csv(seeds / "published_appendix2.csv", dtype=str, keep_default_na=False)
    con = duckdb.connect(str(warehouse), read_only=True)
    got = con.execute("""select measure_id, reporting_period, coalesce(breakdown_value, '') as b,
                                numerator, denominator, value
                         from marts.measure_values_as_reported
                         where la_code = ? and (breakdown_by is null
                                                or breakdown_by = 'initiating_agency')""",
                      [la_code]).df().set_index(["measure_id", "reporting_period", "b"])
    con.close()
    rows = []
    for cell in a2.itertuples():
        key = (cell.measure_id, cell.reporting_period, cell.breakdown_value)
        mart = got.loc[key] if key in got.index else None
        for part, printed in (("numerator", cell.numerator), ("denominator", cell.denominator),
                              ("value", cell.value)):
            if printed == "":
                continue
            mine = None if mart is None else mart[part]
            if part == "value" and mine is not None and not pd.isna(mine):
                decimals = len(printed.split(".")[1]) if "." in printed else 0
                mine = round(float(mine), decimals)
            exact = mine is not None and not pd.isna(mine) and float(mine) == float(printed)
            rows.append({"measure_id": cell.measure_id, "period": cell.reporting_period,
                         "breakdown": cell.breakdown_value, "part": part, "published": printed,
                         "computed": mine, "exact": exact})
    return pd.DataFrame(rows)


def distinct_figures(cells: pd.DataFrame) -> pd.DataFrame:
    """The cells less the second copy of each count: the transcription gives a count
    measure's one printed number twice, as numerator and as value (no denominator). Works
    on this module's cells and on tests.generate.reference.compare's."""
    key = ["measure_id", "period", "breakdown"]
    printed = cells.pivot_table(index=key, columns="part", values="published",
                                aggfunc="first").reindex(
        columns=["numerator", "denominator", "value"])
    counts = printed[printed.denominator.isna() & printed.numerator.notna()
                     & printed.value.notna()]
    counts = counts[counts.numerator.astype(float) == counts.value.astype(float)]
    repeat = (cells.part == "value") & pd.MultiIndex.from_frame(cells[key]).isin(counts.index)
    return cells[~repeat]


def main(argv: list[str]) -> int:
    cells = marts_cells(Path(argv[0]))
    exact = int(cells.exact.sum())
    print(f"exact {exact} / {len(cells)} ({100 * exact / len(cells):.1f}%)")
    figures = distinct_figures(cells)
    exact = int(figures.exact.sum())
    print(f"distinct printed figures: exact {exact} / {len(figures)} "
          f"({100 * exact / len(figures):.1f}%)")
    by = cells.assign(m=cells.measure_id).groupby("m").exact.agg(["sum", "count"])
    print(by.to_string())
    print(cells[~cells.exact].to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
