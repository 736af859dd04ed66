"""Reporting period labels as the warehouse writes them, and the columns of a Cabinet report.

A label is either a financial quarter (`2013-14 Q4`) or a whole financial year (`2012-13`).
The report for a quarter shows the previous whole year, then the current year's quarters up
to and including the chosen one (Appendix 2 of the July 2014 report: 2012/13 whole year,
then 2013/14 Q1..Q4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_LABEL = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{2})(?: Q(?P<quarter>[1-4]))?$")

# Column headings of the Cabinet report: the default window is cumulative from 1 April.
QUARTER_HEADINGS = {1: "Q1 (Apr – Jun)", 2: "Q2 (Apr – Sep)", 3: "Q3 (Apr – Dec)",
                    4: "Q4 (Apr – Mar)"}


class BadPeriod(ValueError):
    """A reporting period label that is not `YYYY-YY` or `YYYY-YY Qn`."""


@dataclass(frozen=True, order=True)
class ReportingPeriod:
    """One reporting period. Ordered by end date, a quarter before the year it closes."""

    end: date
    is_year: bool
    financial_year: int  # the calendar year in which the financial year starts (1 April)
    quarter: int | None

    @classmethod
    def parse(cls, label: str) -> ReportingPeriod:
        match = _LABEL.match(label.strip())
        if not match:
            raise BadPeriod(f"reporting period {label!r}: expected 'YYYY-YY' (a financial "
                            f"year, e.g. '2012-13') or 'YYYY-YY Qn' (e.g. '2013-14 Q4')")
        start = int(match["start"])
        if int(match["end"]) != (start + 1) % 100:
            raise BadPeriod(f"reporting period {label!r}: {match['end']} does not follow "
                            f"{start} (a financial year runs 1 April to 31 March)")
        quarter = int(match["quarter"]) if match["quarter"] else None
        if quarter is None:
            return cls(date(start + 1, 3, 31), True, start, None)
        ends = {1: date(start, 6, 30), 2: date(start, 9, 30), 3: date(start, 12, 31),
                4: date(start + 1, 3, 31)}
        return cls(ends[quarter], False, start, quarter)

    @property
    def year_label(self) -> str:
        return f"{self.financial_year}-{(self.financial_year + 1) % 100:02d}"

    @property
    def label(self) -> str:
        return self.year_label if self.is_year else f"{self.year_label} Q{self.quarter}"

    @property
    def short_label(self) -> str:
        """`Q3 13-14` or `2012-13`: fits under a chart's axis."""
        if self.is_year:
            return self.year_label
        return f"Q{self.quarter} {self.year_label[2:]}"

    @property
    def heading(self) -> str:
        return self.year_label.replace("-", "/") if self.is_year else QUARTER_HEADINGS[
            self.quarter or 1]

    def __str__(self) -> str:
        return self.label


def report_columns(period: ReportingPeriod) -> list[ReportingPeriod]:
    """The period columns of the report for `period`: the previous whole year, then the
    current year's quarters up to `period` (all four, and the year itself, for a year)."""
    year = period.financial_year
    previous = ReportingPeriod.parse(f"{year - 1}-{year % 100:02d}")
    last_quarter = 4 if period.is_year else (period.quarter or 4)
    quarters = [ReportingPeriod.parse(f"{period.year_label} Q{q}")
                for q in range(1, last_quarter + 1)]
    return [previous, *quarters, *([period] if period.is_year else [])]


def latest_period(labels: list[str]) -> ReportingPeriod | None:
    """The latest period among `labels`, preferring a quarter over the year it closes
    (the Cabinet report is quarterly). None when there are no labels."""
    periods = [ReportingPeriod.parse(label) for label in labels]
    if not periods:
        return None
    return max(periods, key=lambda p: (p.end, not p.is_year))
