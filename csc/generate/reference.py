"""Reference tables for the demo: child population and Cafcass care applications.

The extract contract lets a drop carry optional reference tables (`reference/*.csv`). The
demo writes synthetic ones for LA 808 so that the Cafcass rate can be computed: a 0-17
population near Stockton-on-Tees' size (an invented figure, not the ONS estimate) and
quarterly care applications whose 2012-13 total gives the published 24.8 per 10,000.
Each drop holds the figures known on its extract date: a mid-year population from 30 June
of its year, a quarter's applications once the quarter has ended.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np

from csc.generate.targets import read_appendix2

FIRST_YEAR = 2008


def demo_reference(la_code: str, last_year: int, seed: int
                   ) -> dict[str, list[dict[str, object]]]:
    rng = np.random.default_rng(seed)
    population = {year: 41_640 + 90 * (year - FIRST_YEAR) for year in range(FIRST_YEAR,
                                                                            last_year + 1)}
    appendix2 = read_appendix2()
    published = float(appendix2.loc[
        (appendix2["measure_id"] == "cafcass_care_applications_rate")
        & (appendix2["reporting_period"] == "2012-13"), "value"].iloc[0])
    applications = []
    for year in range(FIRST_YEAR, last_year + 1):
        rate = published if year == 2012 else float(rng.uniform(18, 30))
        total = _applications_for_rate(rate, population[year])
        applications.extend(_by_quarter(la_code, year, total))
    return {
        "child_population": [{"la_code": la_code, "year": year, "population_0_17": children}
                             for year, children in population.items()],
        "cafcass_care_applications": applications,
    }


def synthetic_reference(la_code: str, contacts_a_year: float, first_year: int,
                        last_year: int, rng: np.random.Generator
                        ) -> dict[str, list[dict[str, object]]]:
    """Reference tables for an uncalibrated LA: a 0-17 population of about six children per
    contact a year (England made about 1,700 contacts per 10,000 children a year in the
    report's era), growing slowly, and Cafcass care applications at 10-20 per 10,000 a year.
    Lets the marts put counts on a per-10,000 footing to compare LAs (measure_benchmarks)."""
    base = contacts_a_year * rng.uniform(4.5, 7.5)
    growth = rng.uniform(-0.004, 0.008)
    population = {year: int(round(base * (1 + growth) ** (year - first_year)))
                  for year in range(first_year, last_year + 1)}
    applications = []
    for year, children in population.items():
        total = int(round(rng.uniform(10, 20) * children / 10_000))
        applications.extend(_by_quarter(la_code, year, total))
    return {
        "child_population": [{"la_code": la_code, "year": year, "population_0_17": children}
                             for year, children in population.items()],
        "cafcass_care_applications": applications,
    }


def _by_quarter(la_code: str, year: int, total: int) -> list[dict[str, object]]:
    """A financial year's applications spread over its four quarters as evenly as whole
    numbers allow."""
    per_quarter = np.full(4, total // 4) + (np.arange(4) < total % 4)
    return [{"la_code": la_code,
             "quarter_start": date(year + (quarter == 3), [4, 7, 10, 1][quarter], 1),
             "care_applications": int(applications)}
            for quarter, applications in enumerate(per_quarter)]


def _applications_for_rate(rate: float, population: int) -> int:
    """The whole number of applications whose rate per 10,000, printed to one decimal
    place, is closest to `rate` (a plain rounding of rate x population can print 0.1 off)."""
    estimate = round(rate * population / 10_000)
    return min(range(estimate - 2, estimate + 3),
               key=lambda applications: abs(round(10_000 * applications / population, 1)
                                            - rate))


def write_reference(drop: Path, tables: dict[str, list[dict[str, object]]], as_at: date,
                    columns: dict[str, list[str]]) -> None:
    """Write each reference table into `drop/reference/` as known on `as_at`."""
    known = {
        "child_population": lambda row: date(int(row["year"]), 6, 30) <= as_at,
        "cafcass_care_applications": lambda row: _quarter_end(row["quarter_start"]) < as_at,
    }
    for name, rows in tables.items():
        path = drop / "reference" / f"{name}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=columns[name], lineterminator="\n")
            writer.writeheader()
            writer.writerows(row for row in rows if known[name](row))


def _quarter_end(start: date) -> date:
    month = start.month + 2
    ends = {3: 31, 6: 30, 9: 30, 12: 31}
    return date(start.year, month, ends[month])
