"""The numbers on the page and in the workbook are the numbers in the warehouse: each cell
is read back (HTML parsed, xlsx opened with openpyxl) and compared with a DuckDB query."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from report_fixture_warehouse import LA, RESTATED
from report_pages import page_cells, parse_number

from csc.report.layout import ARROWS
from csc.report.periods import ReportingPeriod, report_columns

COLUMNS = [p.label for p in report_columns(ReportingPeriod.parse("2013-14 Q4"))]
SECTIONS = ("inputs", "processes", "outputs")


def _rows(warehouse, table: str, sections=SECTIONS) -> dict:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            f"""select v.measure_id, v.reporting_period, v.breakdown_by, v.breakdown_value,
                       v.numerator, v.denominator, v.value, v.unit, v.direction
                from {table} v join marts.measure_catalogue c using (measure_id)
                where v.la_code = ? and c.section in ({', '.join('?' * len(sections))})
                  and (v.breakdown_by is null or v.breakdown_by = 'initiating_agency')
                  and v.reporting_period in ({', '.join('?' * len(COLUMNS))})""",
            [LA, *sections, *COLUMNS]).fetchall()
    return {r[:4]: dict(zip(("numerator", "denominator", "value", "unit", "direction"), r[4:],
                            strict=True)) for r in rows}


def test_every_page_number_equals_the_table(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    cells = page_cells(rendered.html)
    assert len(cells) > 300
    shown: set[tuple] = set()
    for cell in cells:
        row = expected[cell.key]
        field = cell.attrs["data-field"]
        if field == "direction":
            assert row["direction"] == cell.attrs["data-direction"]
            assert cell.text == ARROWS[row["direction"]]
            continue
        if row[field] is None:
            assert cell.text == "–", (cell.key, field)
        else:
            assert parse_number(cell.text) == pytest.approx(row[field], abs=0.05), (cell.key,
                                                                                   field)
        shown.add((*cell.key, field))
    assert _expected_fields(expected) <= shown


def _expected_fields(expected: dict) -> set[tuple]:
    """Every figure of the report's periods that the layout prints: the count (or rate),
    the numerator and percentage, and the denominator except where the 2014 report printed
    none (Inputs' "number / proportion" rows and the shares of permanence)."""
    fields_shown = set()
    for key, row in expected.items():
        if row["unit"] == "percent":
            fields = ["numerator", "value"] + (["denominator"] if key[2] is None else [])
        else:
            fields = ["value" if row["unit"] == "rate_per_10k" else "numerator"]
        if key[0].startswith("permanence_") or key[0] in ("contacts_closed_logged",
                                                          "closed_logged_with_active_caf",
                                                          "referrals_nfa"):
            fields = [f for f in fields if f != "denominator"]
        fields_shown |= {(*key, field) for field in fields}
    return fields_shown


def test_arrows_only_where_the_table_has_a_direction(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    arrows = {c.key for c in page_cells(rendered.html) if c.attrs["data-field"] == "direction"}
    with_direction = {k for k, r in expected.items() if r["direction"] and k[2] is None
                      and k[1] != "2012-13"}
    assert arrows == with_direction


def _sheet_rows(ws):
    """(measure id, row label, breakdown, {period: (number, percent, direction)}) per row."""
    heads = [c.value for c in ws[3]]
    id_col = heads.index("Measure id")
    periods: list[tuple[str, int, bool]] = []
    for i, h in enumerate(heads[:id_col]):
        if h and i >= 2:
            is_year = h.endswith("whole year")
            label = h.split(" whole year")[0] if is_year else " ".join(h.split()[:1]) + " " + \
                h.split()[1]
            periods.append((label, i, is_year))
    for row in ws.iter_rows(min_row=5, values_only=True):
        if not row[id_col]:
            continue
        yield row[id_col], row[1], row[id_col + 1] or None, {
            label: (row[i], row[i + 1], None if is_year else row[i + 2])
            for label, i, is_year in periods}


def test_every_workbook_number_equals_the_table(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    book = openpyxl.load_workbook(rendered.xlsx)
    assert book.sheetnames == ["Inputs", "Processes", "Outputs", "Table 1", "CAF2 by agency",
                               "Glossary", "Restatements"]
    shown: set[tuple] = set()
    for name in ("Inputs", "Processes", "Outputs"):
        ws = book[name]
        assert ws.freeze_panes == "C5"
        for measure_id, label, agency, cells in _sheet_rows(ws):
            for period, (number, percent, arrow) in cells.items():
                key = (measure_id, period, "initiating_agency" if agency else None, agency)
                row = expected.get(key)
                if row is None:
                    assert number is None and not percent
                    continue
                field = ("denominator" if label == "Denominator" else
                         "value" if row["unit"] == "rate_per_10k" else "numerator")
                assert number == (None if row[field] is None else pytest.approx(row[field]))
                shown.add((*key, field))
                if row["unit"] == "percent" and label != "Denominator":
                    assert percent == (None if row["value"] is None
                                       else pytest.approx(row["value"] / 100.0))
                    shown.add((*key, "value"))
                    if row["value"] is not None:
                        cell_format = _format_of(ws, measure_id, label, period)
                        assert cell_format == "0.0%"
                if arrow is not None:
                    assert arrow == ARROWS[row["direction"]]
    assert _expected_fields(expected) <= shown


def _format_of(ws, measure_id, label, period):
    heads = [c.value for c in ws[3]]
    id_col = heads.index("Measure id")
    col = next(i for i, h in enumerate(heads) if h and h.startswith(period)
               and not h.endswith("whole year")) if "Q" in period else next(
        i for i, h in enumerate(heads) if h == f"{period} whole year")
    for row in ws.iter_rows(min_row=5):
        if row[id_col].value == measure_id and row[1].value == label:
            return row[col + 1].number_format
    raise AssertionError((measure_id, label, period))


def test_table1_on_page_and_in_workbook_equals_the_mart(rendered, fixture_warehouse):
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute("""select referrer, outcome, contacts
                              from marts.contact_outcomes_by_source
                              where la_code = ? and reporting_period = '2013-14 Q4'""",
                           [LA]).fetchall()
    counts = {(r, o): n for r, o, n in rows}
    totals = {}
    for (r, o), n in counts.items():
        totals[("Total", o)] = totals.get(("Total", o), 0) + n
        totals[(r, "total")] = totals.get((r, "total"), 0) + n
    totals[("Total", "total")] = sum(counts.values())
    expected = counts | totals
    cells = page_cells(rendered.html, marker="data-table1-outcome")
    assert {(c.attrs["data-table1-referrer"], c.attrs["data-table1-outcome"]): parse_number(
        c.text) for c in cells} == expected

    ws = openpyxl.load_workbook(rendered.xlsx)["Table 1"]
    outcomes = ["closed_logged", "nfa", "proceeded_to_assessment", "yet_to_proceed", "total"]
    for row in ws.iter_rows(min_row=5, values_only=True):
        for i, outcome in enumerate(outcomes):
            number, proportion = row[1 + 2 * i], row[2 + 2 * i]
            assert number == expected[(row[0], outcome)]
            column_total = expected[("Total", outcome)]
            assert proportion == pytest.approx(round(number / column_total, 3), abs=5e-4)


def test_caf2_by_agency_sheet(rendered, fixture_warehouse):
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute("""select coalesce(breakdown_value, 'All agencies'),
                                     reporting_period, numerator
                              from marts.measure_values_as_reported
                              where la_code = ? and measure_id = 'caf2_commenced'""",
                           [LA]).fetchall()
    expected = {(a, p): n for a, p, n in rows}
    ws = openpyxl.load_workbook(rendered.xlsx)["CAF2 by agency"]
    periods = [c.value for c in ws[3]][1:]
    assert periods == COLUMNS
    seen = 0
    for row in ws.iter_rows(min_row=5, values_only=True):
        for period, number in zip(periods, row[1:], strict=True):
            assert number == expected[(row[0], period)]
            seen += 1
    assert seen == 6 * len(COLUMNS)


def test_restatements_listed_where_first_report_and_now_differ(rendered, fixture_warehouse):
    ws = openpyxl.load_workbook(rendered.xlsx)["Restatements"]
    listed = {(r[0], r[2], r[4] or None): (r[5], r[8])
              for r in ws.iter_rows(min_row=5, values_only=True)}
    assert set(listed) == set(RESTATED)
    for key, delta in RESTATED.items():
        first, now = listed[key]
        assert now - first == delta
    page = rendered.html.read_text(encoding="utf-8")
    assert page.count('<td class="num">') >= 2 * len(RESTATED)


def test_restated_figures_are_a_choice(fixture_warehouse, tmp_path):
    from csc.report import render_report

    files = render_report(fixture_warehouse, "2013-14 Q4", LA, tmp_path, figures="restated")
    assert files.html.name.endswith("-restated.html")
    expected = _rows(fixture_warehouse, "marts.measure_values")
    cells = {(*c.key, c.attrs["data-field"]): c.text for c in page_cells(files.html)}
    assert parse_number(cells[("contacts", "2013-14 Q2", None, None, "numerator")]) == \
        expected[("contacts", "2013-14 Q2", None, None)]["numerator"]
    assert "restated (latest extract)" in files.html.read_text(encoding="utf-8")
