"""What the report says besides the numbers: periods, key, asterisks, data quality,
glossary, the clinic and its First Contact tracker, and how it copes with missing marts."""

from __future__ import annotations

import hashlib
import re
import shutil
from datetime import date

import duckdb
import pytest
from report_fixture_warehouse import LA
from report_pages import page_cells

from csc.cli import main as csc_main
from csc.report import BadPeriod, ReportInputError, render_report
from csc.report.periods import ReportingPeriod, latest_period, report_columns
from csc.report.tracker import working_days_after


def test_period_labels():
    q4 = ReportingPeriod.parse("2013-14 Q4")
    assert (q4.end, q4.quarter, q4.is_year) == (date(2014, 3, 31), 4, False)
    assert ReportingPeriod.parse("2012-13").end == date(2013, 3, 31)
    assert [p.label for p in report_columns(q4)] == [
        "2012-13", "2013-14 Q1", "2013-14 Q2", "2013-14 Q3", "2013-14 Q4"]
    assert [p.label for p in report_columns(ReportingPeriod.parse("2013-14 Q2"))] == [
        "2012-13", "2013-14 Q1", "2013-14 Q2"]
    assert latest_period(["2012-13", "2013-14 Q4", "2013-14 Q1", "2013-14"]).label == \
        "2013-14 Q4"
    for bad in ("2013-15 Q1", "2013/14 Q4", "Q4 2013-14", "2013-14 Q5"):
        with pytest.raises(BadPeriod, match=re.escape(repr(bad))):
            ReportingPeriod.parse(bad)


def test_working_days_skip_weekends_and_bank_holidays():
    assert working_days_after(date(2014, 4, 4), date(2014, 4, 7)) == 1  # Fri -> Mon
    # Good Friday 18 April and Easter Monday 21 April 2014 are not working days.
    assert working_days_after(date(2014, 4, 17), date(2014, 4, 22)) == 1
    assert working_days_after(date(2014, 4, 7), date(2014, 4, 7)) == 0


def test_default_period_is_the_latest_complete_one(fixture_warehouse, tmp_path):
    files = render_report(fixture_warehouse, None, LA, tmp_path)
    assert files.period == "2013-14 Q4"


def test_key_asterisks_and_glossary(rendered, fixture_warehouse):
    page = rendered.html.read_text(encoding="utf-8")
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        catalogue = con.execute("select measure_id, title, definition, period_kind, section "
                                "from marts.measure_catalogue").fetchall()
    for heading in ("Inputs", "Processes", "Outputs", "Table 1", "Key", "Glossary"):
        assert f">{heading}" in page
    assert "direction of travel from the previous quarter based on polarity" in page
    starred = set(re.findall(r'data-measures="([a-z0-9_ ]+)">\s*<tr class="\w+">\s*'
                             r'<th class="title"[^>]*>[^<]*<span class="star"', page))
    quarter_only = {m for m, _, _, kind, section in catalogue
                    if kind == "quarter" and section in ("inputs", "processes", "outputs")}
    assert starred == quarter_only
    glossary = page[page.index('id="glossary"'):]
    for measure_id, title, definition, _, _ in catalogue:
        assert f'id="m-{measure_id}"' in glossary
        assert title.replace("&", "&amp;").replace("'", "&#39;") in glossary
        assert definition.replace("&", "&amp;").replace("'", "&#39;") in glossary


def test_data_quality_of_the_latest_succeeded_run(rendered):
    page = rendered.html.read_text(encoding="utf-8")
    assert '<td id="validation-result">passed (marts 40/40, raw 12/12)</td>' in page
    assert "FAILED (marts 39/40)" not in page  # a later run failed: it published nothing


def test_measure_without_rows_keeps_its_place_with_a_note(rendered):
    page = rendered.html.read_text(encoding="utf-8")
    block = page[page.index('data-measures="single_assessments_45wd"'):]
    block = block[:block.index("</tbody>")]
    assert "No figures in marts.measure_values_as_reported yet." in block
    assert "data-field" not in block


def test_clinic_by_team_and_worker_equals_the_table(rendered, fixture_warehouse):
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute(
            """select measure_id, reporting_period, breakdown_by, breakdown_value, numerator,
                      value from marts.measure_values_as_reported
               where la_code = ? and breakdown_by in ('team', 'worker')""", [LA]).fetchall()
    expected = {r[:4]: r[4:] for r in rows}
    cells = [c for c in page_cells(rendered.clinic) if c.key[2] in ("team", "worker")
             and c.attrs["data-field"] in ("numerator", "value")]
    shown = {(*c.key, c.attrs["data-field"]) for c in cells}
    assert shown == ({(*k, "numerator") for k in expected}
                     | {(*k, "value") for k in expected if k[0] == "initial_assessments_10wd"})
    for cell in cells:
        numerator, value = expected[cell.key]
        number = float(cell.text.replace(",", "").rstrip("%"))
        assert number == pytest.approx(numerator if cell.attrs["data-field"] == "numerator"
                                       else value)


def test_clinic_caseloads_by_team_and_worker_equal_the_table(rendered, fixture_warehouse):
    """The caseloads section shows, for the report period's end, each team's open cases and
    those without an allocated worker, and each worker's open cases, as the two caseload
    measures' breakdown rows say; teams by name where dim_teams has one."""
    with duckdb.connect(str(fixture_warehouse), read_only=True) as con:
        rows = con.execute(
            """select measure_id, breakdown_by, breakdown_value, numerator, breakdown_by is null
               from marts.measure_values_as_reported
               where la_code = ? and reporting_period = '2013-14 Q4'
                 and measure_id in ('open_cases_at_period_end',
                                    'unallocated_cases_at_period_end')""", [LA]).fetchall()
    figures = {(m, b, v): int(n) for m, b, v, n, _ in rows}
    page = rendered.clinic.read_text(encoding="utf-8")
    section = page[page.index('<section class="report-section" id="caseloads">'):]
    section = section[:section.index("</section>")]
    shown = {}
    for by, key, cells in re.findall(
            r'<tr data-(team|worker)="([^"]+)"><th scope="row">[^<]*</th>(.*?)</tr>', section):
        shown[(by, key)] = dict(re.findall(r'data-caseload="(\w+)">([\d,]+)</td>', cells))
    teams = {v for m, b, v in figures if b == "team"}
    workers = {v for m, b, v in figures if b == "worker"}
    assert set(shown) == {("team", t) for t in teams} | {("worker", w) for w in workers}
    for team in teams:
        open_cases = figures.get(("open_cases_at_period_end", "team", team), 0)
        unallocated = figures.get(("unallocated_cases_at_period_end", "team", team), 0)
        assert shown[("team", team)] == {"open": f"{open_cases:,}",
                                         "allocated": f"{open_cases - unallocated:,}",
                                         "unallocated": f"{unallocated:,}"}
    for worker in workers:
        assert shown[("worker", worker)] == {
            "open": f"{figures[('open_cases_at_period_end', 'worker', worker)]:,}"}
    assert f'data-caseload-total="open">{figures[("open_cases_at_period_end", None, None)]:,}' \
        in section
    assert "North assessment team (Assessment North)" in section
    assert "No team holding the case" in section and "No allocated worker" in section
    # the team with the largest caseload first, the cases no team holds last
    order = re.findall(r'<tr data-team="([^"]+)">', section)
    assert order[-1] == "unallocated"
    assert [figures[("open_cases_at_period_end", "team", t)] for t in order[:-1]] == sorted(
        (figures[("open_cases_at_period_end", "team", t)] for t in order[:-1]), reverse=True)


def _tracker_rows(page: str) -> list[tuple[str, str, str]]:
    return re.findall(r'<tr data-contact="(C\d+)"><td>C\d+</td><td>([\d-]+)</td>'
                      r'<td class="num">(\d+)</td>', page)


def test_first_contact_tracker_reads_the_measures_child_level_list(rendered):
    page = rendered.clinic.read_text(encoding="utf-8")
    # The records in the numerator of first_contact_over_5wd for 2013-14 Q4, oldest first
    # (C0100003 waited exactly 5 working days: not in the numerator).
    assert _tracker_rows(page) == [("C0100001", "2014-03-10", "15"),
                                   ("C0100002", "2014-03-20", "7")]
    assert "as at 2014-03-31" in page
    assert "Source: marts.measure_records (first_contact_over_5wd, 2013-14 Q4)" in page


def test_first_contact_tracker_from_the_contacts_fact(fixture_warehouse, tmp_path):
    partial = _copy_without(fixture_warehouse, tmp_path, "marts.measure_records")
    page = render_report(partial, None, LA, tmp_path / "out").clinic.read_text(encoding="utf-8")
    # As at the latest extract (7 April 2014): C1 (1 working day) and C2 (4) are within 5;
    # C0, C3 and C6 are decided.
    assert _tracker_rows(page) == [("C0000005", "2014-03-18", "14"),
                                   ("C0000004", "2014-03-26", "8")]


def _copy_without(warehouse, tmp_path, *tables):
    copy = tmp_path / "partial.duckdb"
    shutil.copy2(warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        for table in tables:
            con.execute(f"drop table {table}")
    return copy


def test_renders_on_a_warehouse_that_lacks_the_newer_marts(fixture_warehouse, tmp_path):
    partial = _copy_without(fixture_warehouse, tmp_path, "marts.contact_outcomes_by_source",
                            "marts.contact_outcomes_by_source_as_reported",
                            "marts.measure_values", "marts.fct_contacts",
                            "marts.measure_records", "meta.refresh_runs")
    files = render_report(partial, None, LA, tmp_path / "out")
    page = files.html.read_text(encoding="utf-8")
    assert ("marts.contact_outcomes_by_source_as_reported is not in this warehouse yet."
            in page)
    assert "Restatements need both marts.measure_values" in page
    assert "No succeeded refresh is recorded" in page
    clinic = files.clinic.read_text(encoding="utf-8")
    assert ("marts.measure_records (the child-level list of first_contact_over_5wd) is not "
            "in this warehouse and marts.fct_contacts is not in this warehouse either") in clinic


def test_renders_an_empty_report_with_notes_when_there_are_no_figures(fixture_warehouse,
                                                                       tmp_path):
    partial = _copy_without(fixture_warehouse, tmp_path, "marts.measure_values_as_reported")
    with pytest.raises(ReportInputError, match="no reporting period has figures"):
        render_report(partial, None, LA, tmp_path / "out")
    files = render_report(partial, "2013-14 Q4", LA, tmp_path / "out")
    page = files.html.read_text(encoding="utf-8")
    assert "marts.measure_values_as_reported is not in this warehouse." in page
    assert "data-field" not in page


def test_unknown_period_or_la_is_a_clear_error(fixture_warehouse, tmp_path):
    with pytest.raises(ReportInputError, match=r"no figures for LA 808 in 2014-15 Q1 "
                                               r"\(periods with figures: 2012-13, 2013-14 Q1"):
        render_report(fixture_warehouse, "2014-15 Q1", LA, tmp_path)
    with pytest.raises(ReportInputError, match="no reporting period has figures for LA 999"):
        render_report(fixture_warehouse, None, "999", tmp_path)


def test_csc_report_command_reads_only(fixture_warehouse, tmp_path, capsys):
    before = hashlib.sha256(fixture_warehouse.read_bytes()).hexdigest()
    out = tmp_path / "reports"
    assert csc_main(["report", "--warehouse", str(fixture_warehouse), "--period", "2013-14 Q3",
                     "--la", LA, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Cabinet report 2013-14 Q3" in printed
    assert sorted(p.name for p in out.iterdir()) == [
        "cabinet-report-808-2013-14-Q3.html", "cabinet-report-808-2013-14-Q3.xlsx",
        "performance-clinic-808-2013-14-Q3.html"]
    assert hashlib.sha256(fixture_warehouse.read_bytes()).hexdigest() == before
    assert csc_main(["report", "--warehouse", str(fixture_warehouse), "--period", "Q3",
                     "--out", str(out)]) == 2
    assert "expected 'YYYY-YY'" in capsys.readouterr().err
    assert csc_main(["report", "--warehouse", str(tmp_path / "none.duckdb")]) == 2
    assert "no published warehouse file there" in capsys.readouterr().err


def test_csc_report_help(capsys):
    with pytest.raises(SystemExit) as exit_info:
        csc_main(["report", "--help"])
    assert exit_info.value.code == 0
    assert "--figures" in capsys.readouterr().out


def test_trend_charts_span_the_previous_and_current_year(fixture_warehouse, tmp_path):
    longer = tmp_path / "longer.duckdb"
    shutil.copy2(fixture_warehouse, longer)
    with duckdb.connect(str(longer)) as con:
        for year in (2011, 2012):
            for quarter in range(1, 5):
                con.execute(
                    """insert into marts.measure_values_as_reported (la_code, measure_id,
                       reporting_period, breakdown_by, breakdown_value, numerator, value, unit)
                       values (?, 'contacts', ?, null, null, 100, 100, 'count')""",
                    [LA, f"{year}-{(year + 1) % 100:02d} Q{quarter}"])
    page = render_report(longer, None, LA, tmp_path / "out").html.read_text(encoding="utf-8")
    chart = page[page.index('<figure class="chart" data-measure="contacts">'):]
    chart = chart[:chart.index("</figure>")]
    points = re.findall(r"<circle class=\"point\"[^>]*><title>([^:]+):", chart)
    assert points == [f"2012-13 Q{q}" for q in range(1, 5)] + [
        f"2013-14 Q{q}" for q in range(1, 5)]
    assert re.findall(r'<text class="fy"[^>]*>([^<]+)</text>', chart) == ["2012-13", "2013-14"]
