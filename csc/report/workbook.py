"""The Excel workbook: the report's tables, one sheet per section, since that is how councils
pass figures around. Numbers are stored as numbers (percentages as fractions with a 0.0%
format), headers are frozen, and each row carries its measure id so a formula or a pivot can
find it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from csc.report.data import ReportData
from csc.report.layout import (
    AGENCY_BREAKDOWN,
    ARROWS,
    Section,
    Table1,
    build_sections,
    build_table1,
)
from csc.report.page import FIGURES_LABELS, PERIOD_KINDS, UNITS
from csc.report.periods import ReportingPeriod, report_columns

HEADER_ROWS = 4  # title, note, period headings, Number/%/direction


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook):
        self.title = book.add_format({"bold": True, "font_size": 13, "font_color": "#234E70"})
        self.note = book.add_format({"italic": True, "font_color": "#5B6775"})
        self.head = book.add_format({"bold": True, "bg_color": "#234E70", "font_color": "white",
                                     "border": 1, "align": "center", "valign": "vcenter",
                                     "text_wrap": True})
        self.head_left = book.add_format({"bold": True, "bg_color": "#234E70",
                                          "font_color": "white", "border": 1,
                                          "valign": "vcenter", "text_wrap": True})
        self.text = book.add_format({"text_wrap": True, "valign": "top", "border": 1})
        self.label = book.add_format({"font_color": "#5B6775", "valign": "top", "border": 1})
        self.count = book.add_format({"num_format": "#,##0", "border": 1})
        self.rate = book.add_format({"num_format": "0.0", "border": 1})
        self.pct = book.add_format({"num_format": "0.0%", "border": 1})
        self.dir = {d: book.add_format({"align": "center", "bold": True, "border": 1,
                                        "font_color": c})
                    for d, c in (("improved", "#1B7A3A"), ("worsened", "#B3261E"),
                                 ("same", "#5B6775"))}
        self.blank = book.add_format({"border": 1})
        self.na = book.add_format({"border": 1, "diag_type": 2, "diag_color": "#9AA7B4"})
        self.bold_count = book.add_format({"num_format": "#,##0", "border": 1, "bold": True})
        self.bold_pct = book.add_format({"num_format": "0.0%", "border": 1, "bold": True})
        self.bold = book.add_format({"bold": True, "border": 1})
        self.date = book.add_format({"num_format": "yyyy-mm-dd", "border": 1})


def _header(ws: Worksheet, f: _Formats, title: str, note: str,
            columns: list[ReportingPeriod], first: list[str], tail: list[str]) -> None:
    ws.write(0, 0, title, f.title)
    ws.write(1, 0, note, f.note)
    for i, text in enumerate(first):
        ws.merge_range(2, i, 3, i, text, f.head_left)
    col = len(first)
    for period in columns:
        width = 2 if period.is_year else 3
        heading = (f"{period.year_label} whole year" if period.is_year
                   else f"{period.year_label} {period.heading}")
        ws.merge_range(2, col, 2, col + width - 1, heading, f.head)
        ws.write(3, col, "Number", f.head)
        ws.write(3, col + 1, "%", f.head)
        if not period.is_year:
            ws.write(3, col + 2, "Direction", f.head)
        col += width
    for i, text in enumerate(tail):
        ws.merge_range(2, col + i, 3, col + i, text, f.head_left)


def _write_section(ws: Worksheet, f: _Formats, section: Section,
                   columns: list[ReportingPeriod], title: str, note: str) -> None:
    first = ["Activity / Performance Measures", ""]
    tail = ["Measure id", "Breakdown"]
    _header(ws, f, title, section.note or note, columns, first, tail)
    ws.set_column(0, 0, 52)
    ws.set_column(1, 1, 16)
    width = sum(2 if p.is_year else 3 for p in columns)
    ws.set_column(2, 2 + width - 1, 9)
    ws.set_column(2 + width, 2 + width, 30)
    ws.set_column(3 + width, 3 + width, 24)
    ws.freeze_panes(HEADER_ROWS, 2)
    r = HEADER_ROWS
    for block in section.blocks:
        for i, row in enumerate(block.rows):
            star = " *" if block.quarter_only else ""
            ws.write(r, 0, block.title + star if i == 0 else "", f.text)
            ws.write(r, 1, row.label, f.label)
            c = 2
            for period, cell in zip(columns, row.cells, strict=True):
                if cell.missing or cell.number is None:
                    ws.write_blank(r, c, None, f.blank)
                elif cell.number_field == "value" and row.unit == "rate_per_10k":
                    ws.write_number(r, c, cell.number, f.rate)
                else:
                    ws.write_number(r, c, cell.number, f.count)
                if not cell.percent_applies:
                    ws.write_blank(r, c + 1, None, f.na)
                elif cell.percent is None:
                    ws.write_blank(r, c + 1, None, f.blank)
                else:
                    ws.write_number(r, c + 1, cell.percent / 100.0, f.pct)
                if not period.is_year:
                    if cell.has_direction and cell.direction:
                        ws.write_string(r, c + 2, ARROWS[cell.direction], f.dir[cell.direction])
                    else:
                        ws.write_blank(r, c + 2, None, f.blank)
                c += 2 if period.is_year else 3
            ws.write_string(r, c, row.measure_id, f.label)
            ws.write_string(r, c + 1, row.breakdown_value or "", f.label)
            r += 1
        if not block.rows:
            ws.write(r, 0, block.title + (" *" if block.quarter_only else ""), f.text)
            ws.write(r, 1, block.note, f.note)
            ws.write_string(r, 2 + width, " ".join(block.measure_ids), f.label)
            r += 1
        elif block.note:
            ws.write(r, 1, block.note, f.note)
            r += 1


def _write_table1(ws: Worksheet, f: _Formats, table: Table1 | None, period: str,
                  note: str | None) -> None:
    ws.write(0, 0, f"Table 1 – Breakdown of cases and referrers, {period}", f.title)
    ws.write(1, 0, "Proportion = % of the column total (each stage)" if table else note or "",
             f.note)
    if table is None:
        return
    ws.merge_range(2, 0, 3, 0, "Referred by", f.head_left)
    outcomes = [*table.outcomes, ("total", "Total", "% of Total Cases")]
    for i, (_, heading, proportion) in enumerate(outcomes):
        ws.merge_range(2, 1 + 2 * i, 2, 2 + 2 * i, heading, f.head)
        ws.write(3, 1 + 2 * i, "Number", f.head)
        ws.write(3, 2 + 2 * i, f"Proportion ({proportion})", f.head)
    ws.set_row(2, 45)
    ws.set_row(3, 30)
    ws.set_column(0, 0, 44)
    ws.set_column(1, 2 * len(outcomes), 12)
    ws.freeze_panes(HEADER_ROWS, 1)
    r = HEADER_ROWS
    for referrer in table.referrers:
        ws.write(r, 0, referrer, f.text)
        for i, (outcome, _, _) in enumerate(table.outcomes):
            ws.write_number(r, 1 + 2 * i, table.counts.get((referrer, outcome), 0), f.count)
            ws.write_number(r, 2 + 2 * i, table.percent(referrer, outcome) / 100.0, f.pct)
        i = len(table.outcomes)
        ws.write_number(r, 1 + 2 * i, table.row_totals[referrer], f.count)
        ws.write_number(r, 2 + 2 * i, table.row_percent(referrer) / 100.0, f.pct)
        r += 1
    ws.write(r, 0, "Total", f.bold)
    for i, (outcome, _, _) in enumerate(table.outcomes):
        total = table.column_totals[outcome]
        ws.write_number(r, 1 + 2 * i, total, f.bold_count)
        ws.write_number(r, 2 + 2 * i, 1.0 if total else 0.0, f.bold_pct)
    i = len(table.outcomes)
    ws.write_number(r, 1 + 2 * i, table.grand_total, f.bold_count)
    ws.write_number(r, 2 + 2 * i, 1.0 if table.grand_total else 0.0, f.bold_pct)


def _write_caf2(ws: Worksheet, f: _Formats, data: ReportData,
                columns: list[ReportingPeriod]) -> None:
    ws.write(0, 0, "Number of CAF2's commenced, by agency (cumulative from 1 April)", f.title)
    ws.write(1, 0, f"caf2_commenced, breakdown_by = {AGENCY_BREAKDOWN}; {data.figures_table}",
             f.note)
    ws.merge_range(2, 0, 3, 0, "Initiating agency", f.head_left)
    for i, period in enumerate(columns):
        ws.write(2, 1 + i, period.label, f.head)
        ws.write(3, 1 + i, "Number", f.head)
    ws.set_column(0, 0, 48)
    ws.set_column(1, len(columns), 12)
    ws.freeze_panes(HEADER_ROWS, 1)
    agencies = data.breakdown_values("caf2_commenced", AGENCY_BREAKDOWN)
    r = HEADER_ROWS
    for label, value in [("All agencies", None), *[(a, a) for a in agencies]]:
        ws.write(r, 0, label, f.bold if value is None else f.text)
        for i, period in enumerate(columns):
            fig = data.figure("caf2_commenced", period.label,
                              None if value is None else AGENCY_BREAKDOWN, value)
            if fig is None or fig.numerator is None:
                ws.write_blank(r, 1 + i, None, f.blank)
            else:
                ws.write_number(r, 1 + i, fig.numerator, f.count)
        r += 1
    if not agencies:
        ws.write(r, 0, "No breakdown by initiating agency in this warehouse yet.", f.note)


def _write_glossary(ws: Worksheet, f: _Formats, data: ReportData) -> None:
    heads = ["Measure id", "Section", "Title", "Definition", "Unit", "Period kind", "Polarity"]
    ws.write(0, 0, "Glossary of measures (marts.measure_catalogue)", f.title)
    ws.write(1, 0, data.notes.get("catalogue", ""), f.note)
    for i, h in enumerate(heads):
        ws.merge_range(2, i, 3, i, h, f.head_left)
    for i, w in enumerate([30, 11, 50, 80, 14, 24, 10]):
        ws.set_column(i, i, w)
    ws.freeze_panes(HEADER_ROWS, 1)
    for r, m in enumerate(data.catalogue, start=HEADER_ROWS):
        for i, v in enumerate([m.measure_id, m.section, m.title, m.definition,
                               UNITS.get(m.unit, m.unit),
                               PERIOD_KINDS.get(m.period_kind, m.period_kind), m.polarity]):
            ws.write_string(r, i, v, f.text)


def _list_sheet(ws: Worksheet, f: _Formats, title: str, note: str, heads: list[str]) -> None:
    """Title, note and headings of a sheet that lists one measure per row (measure id and
    title in the first two columns)."""
    ws.write(0, 0, title, f.title)
    ws.write(1, 0, note, f.note)
    for i, h in enumerate(heads):
        ws.merge_range(2, i, 3, i, h, f.head_left)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 50)
    ws.set_column(2, len(heads) - 1, 14)
    ws.freeze_panes(HEADER_ROWS, 1)


def _write_value(ws: Worksheet, f: _Formats, r: int, c: int, value: float | None,
                 unit: str) -> None:
    """A figure's value: percentages as fractions in a 0.0% format, others as rates."""
    if value is None:
        ws.write_blank(r, c, None, f.blank)
    elif unit == "percent":
        ws.write_number(r, c, value / 100.0, f.pct)
    else:
        ws.write_number(r, c, value, f.rate)


def _write_restatements(ws: Worksheet, f: _Formats, data: ReportData) -> None:
    heads = ["Measure id", "Title", "Period", "Breakdown by", "Breakdown value",
             "First reported: numerator", "First reported: denominator",
             "First reported: value", "Now: numerator", "Now: denominator", "Now: value",
             "First reported from extract"]
    _list_sheet(ws, f, "Restatements: figures as first reported vs now, where they differ",
                data.notes.get("restatements", "Percent values are stored as fractions."), heads)
    titles = {m.measure_id: m.title for m in data.catalogue}
    for r, rs in enumerate(data.restatements, start=HEADER_ROWS):
        ws.write_string(r, 0, rs.measure_id, f.text)
        ws.write_string(r, 1, titles.get(rs.measure_id, ""), f.text)
        ws.write_string(r, 2, rs.reporting_period, f.text)
        ws.write_string(r, 3, rs.breakdown_by or "", f.text)
        ws.write_string(r, 4, rs.breakdown_value or "", f.text)
        for c, fig in ((5, rs.first), (8, rs.now)):
            for i, v in enumerate((fig.numerator, fig.denominator)):
                if v is None:
                    ws.write_blank(r, c + i, None, f.blank)
                else:
                    ws.write_number(r, c + i, v, f.count)
            _write_value(ws, f, r, c + 2, fig.value, fig.unit)
        if rs.first.as_at:
            ws.write_datetime(r, 11, _as_datetime(rs.first.as_at), f.date)
        else:
            ws.write_blank(r, 11, None, f.blank)


def _write_benchmarks(ws: Worksheet, f: _Formats, data: ReportData) -> None:
    heads = ["Measure id", "Title", "Unit", "This LA", "Region figure", "England figure",
             "Region",
             "LAs in region figure", "LAs in England figure", "Rank in England", "Quartile",
             "Against region", "Against England"]
    _list_sheet(ws, f, f"Compared to benchmark groups, {data.period.label} "
                       "(marts.measure_benchmarks; counts per 10,000 children)",
                data.notes.get("benchmarks", "Percent values are stored as fractions."), heads)
    titles = {m.measure_id: m.title for m in data.catalogue}
    for r, b in enumerate(data.benchmarks, start=HEADER_ROWS):
        ws.write_string(r, 0, b.measure_id, f.text)
        ws.write_string(r, 1, titles.get(b.measure_id, ""), f.text)
        ws.write_string(r, 2, UNITS.get(b.comparison_unit, b.comparison_unit), f.text)
        for c, v in ((3, b.comparison_value), (4, b.region_value), (5, b.england_value)):
            _write_value(ws, f, r, c, v, b.comparison_unit)
        ws.write_string(r, 6, b.region_name or "", f.text)
        for c, v in ((7, b.region_la_count), (8, b.england_la_count), (9, b.england_rank),
                     (10, b.england_quartile)):
            if v is None:
                ws.write_blank(r, c, None, f.blank)
            else:
                ws.write_number(r, c, v, f.count)
        ws.write_string(r, 11, b.compared_with_region or "", f.text)
        ws.write_string(r, 12, b.compared_with_england or "", f.text)


def _as_datetime(value: date) -> datetime:
    return datetime(value.year, value.month, value.day)


def write_workbook(data: ReportData, path: Path) -> Path:
    """Write the workbook for `data` to `path` and return it."""
    columns = report_columns(data.period)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    book.set_properties({"title": f"Children's social care performance {data.period.label}",
                         "subject": f"LA {data.la_code}, {FIGURES_LABELS[data.figures_kind]}"})
    f = _Formats(book)
    note = (f"LA {data.la_code}, {data.period.label}, figures {FIGURES_LABELS[data.figures_kind]}"
            f" ({data.figures_table}). * = quarter period only; otherwise cumulative from "
            f"1 April or the position at the period end.")
    for section in build_sections(data):
        ws = book.add_worksheet(section.name)
        _write_section(ws, f, section, columns,
                       f"{section.name} – Children's Social Care Performance & Activity "
                       f"{data.period.label}", note)
    _write_table1(book.add_worksheet("Table 1"), f, build_table1(data), data.period.label,
                  data.notes.get("table1"))
    _write_caf2(book.add_worksheet("CAF2 by agency"), f, data, columns)
    _write_glossary(book.add_worksheet("Glossary"), f, data)
    _write_restatements(book.add_worksheet("Restatements"), f, data)
    _write_benchmarks(book.add_worksheet("Benchmarks"), f, data)
    book.close()
    return path
