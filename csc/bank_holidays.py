"""England & Wales bank holidays, 2000-2035, as a dbt seed.

Working days (measures.md) exclude Saturdays, Sundays and England & Wales bank holidays,
one-off ones included (29 April 2011, 5 June 2012, 8 May 2020's moved May Day, 19 September
2022, 8 May 2023). The dates come from the pinned `holidays` package, written once into
`seeds/bank_holidays_england_wales.csv` so dbt needs no Python at build time and a change in
the package shows up as a diff. A test checks the committed seed still equals what the
package gives; regenerate with `python -m csc.bank_holidays`.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import holidays

from csc.config import PROJECT_DIR

FIRST_YEAR = 2000
LAST_YEAR = 2035
SEED_PATH = PROJECT_DIR / "seeds" / "bank_holidays_england_wales.csv"


def england_and_wales_bank_holidays(first_year: int = FIRST_YEAR,
                                    last_year: int = LAST_YEAR) -> list[tuple[date, str]]:
    """(date, name) of every England & Wales bank holiday in the years, oldest first.

    England and Wales share one list (the package's ENG and WLS subdivisions agree); a
    holiday falling on a weekend is listed together with its substitute ("observed") day.
    """
    years = range(first_year, last_year + 1)
    england = holidays.country_holidays("GB", subdiv="ENG", years=years)
    return sorted(england.items())


def seed_text(rows: list[tuple[date, str]]) -> str:
    """The seed file's content: a `date,name` header and one ISO-dated row per holiday."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "name"])
    for day, name in rows:
        writer.writerow([day.isoformat(), name])
    return out.getvalue()


def write_seed(path: Path = SEED_PATH) -> Path:
    """Write the bank-holiday seed from the `holidays` package; return its path."""
    path.write_text(seed_text(england_and_wales_bank_holidays()), encoding="utf-8")
    return path


if __name__ == "__main__":
    written = write_seed()
    print(f"wrote {written}")
