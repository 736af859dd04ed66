"""The web pages: the Cabinet report (Appendix 2 + Table 1) and the performance-clinic view.

Jinja2 templates in csc/report/templates; the stylesheet and every chart are inlined, so a
page is one file that opens with no network and prints on A4 landscape.
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from csc.freshness import Staleness
from csc.report.charts import POLARITY_WORDS, format_value, trend_charts
from csc.report.data import Figure, ReportData
from csc.report.fixlist import FixList
from csc.report.layout import (
    DIRECTION_WORDS,
    build_caseloads,
    build_clinic_tables,
    build_sections,
    build_table1,
)
from csc.report.periods import report_columns
from csc.report.tracker import THRESHOLD_WORKING_DAYS, Tracker

# The report's key (abbreviations used in the titles).
ABBREVIATIONS = [
    ("CAFs", "Common Assessment Framework"), ("S47", "Section 47 Enquiry"),
    ("CP", "Children subject of a Child Protection Plan"),
    ("ICPC", "Initial Child Protection Conference"), ("CiN", "Children in Need"),
    ("EET", "Education, Employment, Training"), ("RCPC", "Review Child Protection Conference"),
    ("CiC", "Children in Care"), ("CYP", "Children and Young People"),
    ("NFA", "No Further Action"),
]
PERIOD_KINDS = {"quarter": "quarter period only", "ytd": "cumulative from 1 April",
                "rolling_12m": "rolling 12 months", "snapshot": "position at the period end",
                "year": "whole financial year"}
UNITS = {"count": "number", "percent": "percentage", "rate_per_10k": "rate per 10,000"}
FIGURES_WORDS = {
    "as_reported": "figures as first reported (each period computed from the first extract "
                   "after it ended; a period that ended long before the earliest extract is "
                   "computed from that earliest extract, shown as open points in the trends)",
    "restated": "figures restated on the latest extract",
}
FIGURES_LABELS = {"as_reported": "as first reported", "restated": "restated (latest extract)"}


def _number(value: float | None, unit: str = "count") -> str:
    return format_value(value, unit)


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}%"


def _figure_text(figure: Figure) -> str:
    if figure.unit == "percent":
        return (f"{_number(figure.numerator)} / {_number(figure.denominator)} = "
                f"{_percent(figure.value)}")
    return format_value(figure.value, figure.unit)


def period_cells(row, cell, is_year: bool) -> Markup:
    """The cells of one period on one row of a table: Number, % and, for quarters, the
    direction-of-travel arrow, each figure's cell naming its measure, period and field
    (data-*) for the page's script and for tests. Markup made here, not by a template
    macro: the clinic page has about 16,000 of these cells per LA, and calling a Jinja
    macro for each was most of that page's rendering."""
    attrs = f'data-measure="{escape(row.measure_id)}" data-period="{escape(cell.period)}"'
    if row.breakdown_by:
        attrs += (f' data-breakdown-by="{escape(row.breakdown_by)}"'
                  f' data-breakdown-value="{escape(row.breakdown_value)}"')
    year = " year" if is_year else ""
    not_applicable = f'<td class="na{year}" aria-label="not applicable"></td>'
    if cell.missing:
        cells = f'<td class="missing{year}" title="no figure">–</td>' + (
            f'<td class="missing{year}">–</td>' if cell.percent_applies else not_applicable)
    else:
        unit = row.unit if cell.number_field == "value" else "count"
        cells = (f'<td class="num{year}" {attrs} data-field="{escape(cell.number_field)}">'
                 f'{escape(_number(cell.number, unit))}</td>') + (
            f'<td class="pct{year}" {attrs} data-field="value">'
            f'{escape(_percent(cell.percent))}</td>' if cell.percent_applies
            else not_applicable)
    if not is_year:
        if cell.has_direction and cell.direction:
            direction = escape(cell.direction)
            cells += (f'<td class="dir {direction}" {attrs} data-field="direction" '
                      f'data-direction="{direction}" '
                      f'title="{escape(DIRECTION_WORDS[cell.direction])}">'
                      f'{escape(cell.arrow)}</td>')
        else:
            cells += '<td class="dir"></td>'
    return Markup(cells)


@cache
def environment() -> Environment:
    """The pages' Jinja2 environment, made once per process: it keeps the templates it has
    compiled, and compiling them again for every LA's pages cost about a quarter of each
    LA's rendering (csc.report renders every LA in a few processes)."""
    env = Environment(loader=PackageLoader("csc.report", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["number"] = _number
    env.filters["percent"] = _percent
    env.filters["figure_text"] = _figure_text
    env.globals["period_cells"] = period_cells
    return env


def _common(data: ReportData, generated_at: datetime) -> dict:
    columns = report_columns(data.period)
    run = data.run
    return {
        "la_code": data.la_code, "la_name": "",
        "period": data.period, "columns": columns,
        "ncols": sum(2 if p.is_year else 3 for p in columns),
        "figures_kind": data.figures_kind, "figures_kind_label":
            FIGURES_LABELS[data.figures_kind], "figures_words": FIGURES_WORDS[data.figures_kind],
        "figures_table": data.figures_table, "run": run,
        "dq_ok": bool(run and run.validation_result
                      and run.validation_result.lower().startswith("passed")),
        "latest_extract": data.latest_extract, "notes": data.notes,
        "generated_at": generated_at.strftime("%Y-%m-%d %H:%M"),
        "warehouse_name": data.warehouse.name,
    }


def _table1_window(data: ReportData) -> str:
    period = data.period
    if period.is_year:
        start = f"1st April {period.financial_year}"
    else:
        starts = {1: "April", 2: "July", 3: "October", 4: "January"}
        year = period.financial_year + (1 if period.quarter == 4 else 0)
        start = f"1st {starts[period.quarter or 1]} {year}"
    return f"{start} to {period.end.day}{_suffix(period.end.day)} {period.end:%B %Y}"


def _suffix(day: int) -> str:
    if 11 <= day <= 13:
        return "th"
    return {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")


def render_cabinet_html(data: ReportData, clinic_href: str,
                        generated_at: datetime | None = None, stale: Staleness | None = None,
                        docs_href: str | None = None) -> str:
    """`stale`: the banner's staleness (None: no banner); `docs_href`: the dbt docs site."""
    generated_at = generated_at or datetime.now()
    sections = build_sections(data)
    context = _common(data, generated_at) | {"stale": stale, "docs_href": docs_href} | {
        "title": f"Children's Social Care Performance & Activity {data.period.label}",
        "sections": sections, "table1": build_table1(data),
        "table1_window": _table1_window(data), "table1_source": data.table1_source,
        "charts": trend_charts(data, tuple(s.key for s in sections)),
        "restatements": data.restatements, "benchmarks": data.benchmarks,
        "titles": {m.measure_id: m.title for m in data.catalogue},
        "catalogue": data.catalogue, "clinic_href": clinic_href,
        "abbreviations": ABBREVIATIONS, "section_names": {
            "inputs": "Inputs", "processes": "Processes", "outputs": "Outputs",
            "beyond": "Beyond the report"},
        "period_kinds": PERIOD_KINDS, "units": UNITS, "polarity_words": POLARITY_WORDS,
    }
    return environment().get_template("cabinet.html.j2").render(**context)


def render_clinic_html(data: ReportData, tracker: Tracker, cabinet_href: str,
                       generated_at: datetime | None = None,
                       fixes: FixList | None = None, stale: Staleness | None = None,
                       docs_href: str | None = None) -> str:
    generated_at = generated_at or datetime.now()
    columns = report_columns(data.period)
    context = _common(data, generated_at) | {"stale": stale, "docs_href": docs_href} | {
        "title": f"Performance clinic {data.period.label}: teams, workers and First Contact",
        "caseloads": build_caseloads(data),
        "sections": build_sections(data, ("beyond",)),
        "charts": trend_charts(data, ("beyond",)),
        "clinic_tables": build_clinic_tables(data, columns), "tracker": tracker,
        "threshold": THRESHOLD_WORKING_DAYS, "cabinet_href": cabinet_href,
        "fixes": fixes,
    }
    return environment().get_template("clinic.html.j2").render(**context)
