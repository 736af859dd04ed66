"""Dates as whole days since 1970-01-01 (numpy int64), working days and month arithmetic.

The generator works on integer day numbers so that every step is a vectorised numpy
operation. Working days are Monday-Friday excluding England & Wales bank holidays (the
`holidays` package, including one-off days such as 29 April 2011 and 5 June 2012): the same
calendar measures.md uses, so "within N working days" means the same thing to the generator
and to the warehouse.
"""

from __future__ import annotations

from datetime import date

import holidays
import numpy as np

EPOCH = np.datetime64("1970-01-01", "D")


def day(d: date | str) -> int:
    """Day number of a date."""
    return int((np.datetime64(d, "D") - EPOCH).astype(np.int64))


def to_date(n: int) -> date:
    return (EPOCH + np.timedelta64(int(n), "D")).astype(date)


def iso(days: np.ndarray) -> np.ndarray:
    """Day numbers -> 'YYYY-MM-DD' strings ('' where the day is negative, i.e. missing)."""
    days = np.asarray(days, dtype=np.int64)
    out = (EPOCH + days.clip(min=0).astype("timedelta64[D]")).astype("U10").astype(object)
    out[days < 0] = ""
    return out


def add_months(days: np.ndarray, months: int | np.ndarray) -> np.ndarray:
    """Add calendar months, clamping to the month's last day (31 Aug + 6 months = 28/29 Feb;
    a 29 February birthday falls on 28 February in other years)."""
    d = EPOCH + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype(np.int64)
    m2 = m + np.asarray(months, dtype=np.int64).astype("timedelta64[M]")
    length = ((m2 + 1).astype("datetime64[D]") - m2.astype("datetime64[D]")).astype(np.int64)
    out = m2.astype("datetime64[D]") + np.minimum(dom, length - 1).astype("timedelta64[D]")
    return (out - EPOCH).astype(np.int64)


class WorkingDays:
    """England & Wales working days between two years, with positional arithmetic."""

    def __init__(self, first_year: int, last_year: int) -> None:
        bank = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
        start, end = day(date(first_year, 1, 1)), day(date(last_year, 12, 31))
        all_days = np.arange(start, end + 1, dtype=np.int64)
        weekday = (all_days + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
        hol = np.array([day(h) for h in bank], dtype=np.int64)
        keep = (weekday < 5) & ~np.isin(all_days, hol)
        self.days = all_days[keep]

    def count_to(self, d: np.ndarray | int) -> np.ndarray:
        """Number of working days on or before d (so count_to(e) - count_to(s) is the number of
        working days w with s < w <= e)."""
        return np.searchsorted(self.days, d, side="right")

    def between(self, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        return self.count_to(end) - self.count_to(start)

    def first_pos(self, d: np.ndarray | int) -> np.ndarray:
        """Position of the first working day on or after d."""
        return np.searchsorted(self.days, d, side="left")

    def last_pos(self, d: np.ndarray | int) -> np.ndarray:
        """Position of the last working day on or before d."""
        return np.searchsorted(self.days, d, side="right") - 1

    def at(self, pos: np.ndarray) -> np.ndarray:
        return self.days[np.clip(pos, 0, len(self.days) - 1)]

    def add(self, d: np.ndarray, n: np.ndarray | int) -> np.ndarray:
        """The n-th working day after d (n >= 1), or d itself rolled forward when n = 0."""
        n = np.asarray(n)
        return np.where(n <= 0, self.at(self.first_pos(d)), self.at(self.count_to(d) - 1 + n))

    def uniform(self, lo: int, hi: int, size: int, rng: np.random.Generator) -> np.ndarray:
        """`size` random working days in [lo, hi]."""
        a, b = self.first_pos(lo), self.last_pos(hi)
        return self.days[rng.integers(a, b + 1, size=size)]
