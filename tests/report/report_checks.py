"""Compare a rendered report with the warehouse it came from, cell by cell.

`expected_figures` queries the figures table in DuckDB; `check_page` and `check_workbook`
read the page (HTML parsed) and the workbook (openpyxl) back and assert every number equals
the table, and that every figure the layout prints is there. Used on the hand-built
warehouse and on the real demo.
"""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from report_pages import page_cells, parse_number

from csc.report.layout import ARROWS

SECTIONS = ("inputs", "processes", "outputs")
INPUT_SHARES = ("contacts_closed_logged", "closed_logged_with_active_caf", "referrals_nfa")
SHEETS = ["Inputs", "Processes", "Outputs", "Table 1", "CAF2 by agency", "Glossary",
          "Restatements", "Benchmarks"]


def expected_figures(warehouse, table: str, la: str, periods: list[str]) -> dict:
    """(measure, period, breakdown_by, breakdown_value) -> the row, for the Cabinet
    sections' headline and agency rows in the report's periods."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""select v.measure_id, v.reporting_period, v.breakdown_by, v.breakdown_value,
                       v.numerator, v.denominator, v.value, v.unit, v.direction
                from {table} v join marts.measure_catalogue c using (measure_id)
                where v.la_code = ? and c.section in ({', '.join('?' * len(SECTIONS))})
                  and (v.breakdown_by is null or v.breakdown_by = 'initiating_agency')
                  and v.reporting_period in ({', '.join('?' * len(periods))})""",
            [la, *SECTIONS, *periods]).fetchall()
    return {r[:4]: dict(zip(("numerator", "denominator", "value", "unit", "direction"), r[4:],
                            strict=True)) for r in rows}


def printed_fields(expected: dict) -> set[tuple]:
    """Every figure the layout prints: the count (or rate), the numerator and percentage,
    and the denominator except where the 2014 report printed none (Inputs' "number /
    proportion" rows, the shares of permanence, the agency rows)."""
    fields_shown = set()
    for key, row in expected.items():
        if row["unit"] == "percent":
            fields = ["numerator", "value"] + (["denominator"] if key[2] is None else [])
        else:
            fields = ["value" if row["unit"] == "rate_per_10k" else "numerator"]
        if key[0].startswith("permanence_") or key[0] in INPUT_SHARES:
            fields = [f for f in fields if f != "denominator"]
        fields_shown |= {(*key, field) for field in fields}
    return fields_shown


def check_page(html, expected: dict) -> int:
    """Assert every number cell of the page equals the table; return how many were read."""
    shown: set[tuple] = set()
    cells = page_cells(html)
    for cell in cells:
        row = expected[cell.key]
        field = cell.attrs["data-field"]
        if field == "direction":
            assert row["direction"] == cell.attrs["data-direction"], cell.key
            assert cell.text == ARROWS[row["direction"]]
            continue
        if row[field] is None:
            assert cell.text == "–", (cell.key, field)
        else:
            assert parse_number(cell.text) == pytest.approx(row[field], abs=0.05), (cell.key,
                                                                                   field)
        shown.add((*cell.key, field))
    assert printed_fields(expected) <= shown, printed_fields(expected) - shown
    return len(cells)


def _sheet_rows(ws):
    """(measure id, row label, agency, {period: (number, percent, arrow)}) per row."""
    heads = [c.value for c in ws[3]]
    id_col = heads.index("Measure id")
    periods: list[tuple[str, int, bool]] = []
    for i, heading in enumerate(heads[:id_col]):
        if heading and i >= 2:
            is_year = heading.endswith("whole year")
            words = heading.split()
            label = words[0] if is_year else f"{words[0]} {words[1]}"
            periods.append((label, i, is_year))
    for row in ws.iter_rows(min_row=5):
        values = [c.value for c in row]
        if not values[id_col]:
            continue
        yield values[id_col], values[1], values[id_col + 1] or None, {
            label: (values[i], values[i + 1], None if is_year else values[i + 2],
                    row[i + 1].number_format)
            for label, i, is_year in periods}


def check_workbook(xlsx, expected: dict) -> int:
    """Assert every number of the section sheets equals the table (percentages stored as
    fractions in a 0.0% format); return how many cells were compared."""
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == SHEETS
    shown: set[tuple] = set()
    compared = 0
    for name in SECTIONS:
        ws = book[name.capitalize()]
        assert ws.freeze_panes == "C5"
        for measure_id, label, agency, cells in _sheet_rows(ws):
            for period, (number, percent, arrow, percent_format) in cells.items():
                key = (measure_id, period, "initiating_agency" if agency else None, agency)
                row = expected.get(key)
                if row is None:
                    assert number is None and not percent, key
                    continue
                field = ("denominator" if label == "Denominator" else
                         "value" if row["unit"] == "rate_per_10k" else "numerator")
                assert number == (None if row[field] is None else pytest.approx(row[field]))
                shown.add((*key, field))
                compared += 1
                if row["unit"] == "percent" and label != "Denominator":
                    assert percent == (None if row["value"] is None
                                       else pytest.approx(row["value"] / 100.0))
                    if row["value"] is not None:
                        assert percent_format == "0.0%"
                    shown.add((*key, "value"))
                    compared += 1
                if arrow is not None:
                    assert arrow == ARROWS[row["direction"]]
    assert printed_fields(expected) <= shown, printed_fields(expected) - shown
    return compared
