"""Trend charts as inline SVG, drawn here in Python: no script, no network, prints cleanly.

One small chart per measure (small multiples): the headline value of every quarter up to the
report's period as a line, whole-year figures as a caption under it (a year and a quarter
are not on the same scale for quarterly counts). The last point is labelled; the measure's
polarity is said in words ("higher is better").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from csc.report.data import Measure, ReportData
from csc.report.periods import ReportingPeriod

WIDTH, HEIGHT = 240, 104
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 34, 30, 10, 28
POLARITY_WORDS = {"up": "higher is better", "down": "lower is better",
                  "neutral": "neither direction is better"}


@dataclass(frozen=True)
class TrendChart:
    measure: Measure
    svg: str  # empty when the measure has no quarterly figures
    years: list[tuple[str, str]]  # (year label, formatted value)
    latest: str  # formatted latest quarterly value, or ""
    # quarters (and years) computed on the earliest extract, not as first reported: their
    # period ended long before it (marts.measure_values_as_reported.as_reported_basis)
    earliest: list[str] = field(default_factory=list)

    @property
    def polarity_words(self) -> str:
        return POLARITY_WORDS.get(self.measure.polarity, self.measure.polarity)


def format_value(value: float | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "percent":
        return f"{value:.1f}%"
    if unit == "rate_per_10k":
        return f"{value:.1f}"
    return f"{value:,.0f}"


def _nice_range(values: list[float], unit: str) -> tuple[float, float]:
    low, high = min(values), max(values)
    low = min(0.0, low)  # counts and percentages read honestly from zero
    if unit == "percent":
        high = max(high, 1.0)
        high = min(100.0, high * 1.1) if high < 100 else 100.0
    else:
        high = high * 1.1 if high > 0 else 1.0
    return low, high


def _svg(measure: Measure, points: list[tuple[ReportingPeriod, float]],
         earliest: frozenset[str] = frozenset()) -> str:
    values = [v for _, v in points]
    low, high = _nice_range(values, measure.unit)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(1, len(points) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        x = PAD_LEFT + (i * step if len(points) > 1 else plot_w / 2)
        y = PAD_TOP + plot_h - (v - low) / (high - low) * plot_h
        return round(x, 1), round(y, 1)

    coords = [xy(i, v) for i, (_, v) in enumerate(points)]
    title = escape(f"{measure.title}: quarterly trend")
    parts = [f'<svg class="trend" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-label="{title}" '
             f'xmlns="http://www.w3.org/2000/svg">',
             f"<title>{title}</title>"]
    base_y = PAD_TOP + plot_h
    parts.append(f'<line class="axis" x1="{PAD_LEFT}" y1="{base_y}" '
                 f'x2="{WIDTH - PAD_RIGHT}" y2="{base_y}"/>')
    for v in (low, high):
        _, y = xy(0, v)
        parts.append(f'<line class="grid" x1="{PAD_LEFT}" y1="{y}" x2="{WIDTH - PAD_RIGHT}" '
                     f'y2="{y}"/>')
        parts.append(f'<text class="tick" x="{PAD_LEFT - 4}" y="{y + 3}" text-anchor="end">'
                     f"{escape(format_value(v, measure.unit))}</text>")
    # Financial-year boundaries between Q4 and the next Q1.
    for i in range(1, len(points)):
        if points[i][0].quarter == 1:
            x = round((coords[i - 1][0] + coords[i][0]) / 2, 1)
            parts.append(f'<line class="year" x1="{x}" y1="{PAD_TOP}" x2="{x}" y2="{base_y}"/>')
    if len(coords) > 1:
        path = " ".join(f"{x},{y}" for x, y in coords)
        parts.append(f'<polyline class="line" points="{path}"/>')
    for (period, value), (x, y) in zip(points, coords, strict=True):
        flagged = period.label in earliest
        note = " (computed on the earliest extract, not as first reported)" if flagged else ""
        parts.append(f'<circle class="point{" earliest" if flagged else ""}" cx="{x}" '
                     f'cy="{y}" r="2.6"><title>{escape(period.label)}: '
                     f"{escape(format_value(value, measure.unit))}{note}</title></circle>")
        parts.append(f'<text class="xlabel" x="{x}" y="{base_y + 11}" text-anchor="middle">'
                     f"Q{period.quarter}</text>")
    # The financial year under its quarters.
    for year in sorted({p.financial_year for p, _ in points}):
        xs = [x for (p, _), (x, _) in zip(points, coords, strict=True)
              if p.financial_year == year]
        label = points[[p.financial_year for p, _ in points].index(year)][0].year_label
        parts.append(f'<text class="fy" x="{round((xs[0] + xs[-1]) / 2, 1)}" '
                     f'y="{HEIGHT - 4}" text-anchor="middle">{escape(label)}</text>')
    x, y = coords[-1]
    parts.append(f'<text class="last" x="{x + 5}" y="{y + 3}">'
                 f"{escape(format_value(points[-1][1], measure.unit))}</text>")
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(data: ReportData, measure: Measure) -> TrendChart:
    """The measure's quarters and years over the report's span: the previous financial
    year and the current one up to the report's period."""
    first_year = data.period.financial_year - 1
    periods = [p for p in data.periods_with_figures()
               if first_year <= p.financial_year and p.end <= data.period.end]
    quarters: list[tuple[ReportingPeriod, float]] = []
    years: list[tuple[str, str]] = []
    earliest: list[str] = []
    for period in periods:
        figure = data.figure(measure.measure_id, period.label)
        if figure is None or figure.value is None:
            continue
        if figure.on_earliest_extract:
            earliest.append(period.label)
        if period.is_year:
            years.append((period.label, format_value(figure.value, measure.unit)))
        else:
            quarters.append((period, float(figure.value)))
    svg = _svg(measure, quarters, frozenset(earliest)) if quarters else ""
    latest = format_value(quarters[-1][1], measure.unit) if quarters else ""
    return TrendChart(measure, svg, years, latest, earliest)


def trend_charts(data: ReportData, sections: tuple[str, ...]) -> dict[str, list[TrendChart]]:
    return {s: [trend_chart(data, m) for m in data.measures_in(s)] for s in sections}
