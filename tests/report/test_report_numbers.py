"""The numbers on the page and in the workbook are the numbers in the warehouse: each cell
is read back (HTML parsed, xlsx opened with openpyxl) and compared with a DuckDB query."""

from __future__ import annotations

import duckdb
import openpyxl
import pytest
from report_checks import check_page, check_workbook, expected_figures
from report_fixture_warehouse import LA, RESTATED
from report_pages import page_cells, parse_number

from csc.report.periods import ReportingPeriod, report_columns

COLUMNS = [p.label for p in report_columns(ReportingPeriod.parse("2013-14 Q4"))]


def _rows(warehouse, table: str) -> dict:
    return expected_figures(warehouse, table, LA, COLUMNS)


def test_every_page_number_equals_the_table(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    assert check_page(rendered.html, expected) > 300


def test_arrows_only_where_the_table_has_a_direction(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    arrows = {c.key for c in page_cells(rendered.html) if c.attrs["data-field"] == "direction"}
    with_direction = {k for k, r in expected.items() if r["direction"] and k[2] is None
                      and k[1] != "2012-13"}
    assert arrows == with_direction


def test_every_workbook_number_equals_the_table(rendered, fixture_warehouse):
    expected = _rows(fixture_warehouse, "marts.measure_values_as_reported")
    assert check_workbook(rendered.xlsx, expected) >= 300


def test_table1_on_page_and_in_workbook_equals_the_mart(rendered, fixture_warehouse):
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute("""select referrer, outcome, contacts
                              from marts.contact_outcomes_by_source_as_reported
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


def test_restated_figures_are_a_choice(rendered, fixture_warehouse, tmp_path):
    from csc.report import render_report

    files = render_report(fixture_warehouse, "2013-14 Q4", LA, tmp_path, figures="restated")
    assert files.html.name.endswith("-restated.html")
    expected = _rows(fixture_warehouse, "marts.measure_values")
    cells = {(*c.key, c.attrs["data-field"]): c.text for c in page_cells(files.html)}
    assert parse_number(cells[("contacts", "2013-14 Q2", None, None, "numerator")]) == \
        expected[("contacts", "2013-14 Q2", None, None)]["numerator"]
    page = files.html.read_text(encoding="utf-8")
    assert "restated (latest extract)" in page
    assert "Source: marts.contact_outcomes_by_source." in page
    police = [c for c in page_cells(files.html, marker="data-table1-outcome")
              if c.attrs["data-table1-referrer"] == "Police"
              and c.attrs["data-table1-outcome"] == "closed_logged"]
    first = [c for c in page_cells(rendered.html, marker="data-table1-outcome")
             if c.attrs["data-table1-referrer"] == "Police"
             and c.attrs["data-table1-outcome"] == "closed_logged"]
    assert parse_number(police[0].text) == parse_number(first[0].text) + 1


def test_benchmarks_on_page_and_in_workbook_equal_the_mart(rendered, fixture_warehouse):
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute(
            """select measure_id, comparison_value, region_value, england_value,
                      england_rank, compared_with_england
               from marts.measure_benchmarks
               where la_code = ? and reporting_period = '2013-14 Q4'""", [LA]).fetchall()
    assert rows
    expected = {r[0]: r for r in rows}
    cells = page_cells(rendered.html, marker="data-benchmark")
    shown = {(c.attrs["data-measure"], c.attrs["data-benchmark"]): parse_number(c.text)
             for c in cells}
    for measure_id, la, region, england, *_ in rows:
        assert shown[(measure_id, "la")] == la
        assert shown[(measure_id, "region")] == region
        assert shown[(measure_id, "england")] == england
    assert len(shown) == 3 * len(rows)

    ws = openpyxl.load_workbook(rendered.xlsx)["Benchmarks"]
    sheet = {r[0]: r for r in ws.iter_rows(min_row=5, values_only=True) if r[0]}
    assert set(sheet) == set(expected)
    for measure_id, row in sheet.items():
        _, la, region, england, rank, against = expected[measure_id]
        scale = 100.0 if row[2] == "percentage" else 1.0
        assert (row[3] * scale, row[4] * scale, row[5] * scale) == pytest.approx(
            (la, region, england))
        assert (row[9], row[12] or None) == (rank, against)
