"""Teams and caseloads on the real demo (the session's `published_demo`, read-only): every
measure broken down by team credits real teams, the team that held the case (the demo's
allocations), and the caseload figures meet where they should; the clinic page shows them.

The thresholds are the issue's done-when, not figures of the demo: the share of a measure's
records with no team is small, and the unallocated cases counted two ways are one number."""

from __future__ import annotations

import re

import duckdb
import pytest

from csc.report import render_report

pytestmark = pytest.mark.e2e

FIGURES = ("marts.measure_values", "marts.measure_values_as_reported")
PERIOD = "2013-14 Q4"
MOST_UNALLOCATED = 0.05  # at most 5% of a measure's records credited to no team


@pytest.fixture(scope="module")
def demo(published_demo):
    with duckdb.connect(str(published_demo.published), read_only=True) as con:
        yield con


@pytest.mark.parametrize("table", FIGURES)
def test_every_team_breakdown_credits_real_teams(demo, table):
    rows = demo.execute(f"""
        select c.measure_id, c.team_source,
               (select coalesce(h.denominator, h.numerator) from {table} as h
                where h.measure_id = c.measure_id and h.reporting_period = ?
                  and h.breakdown_by is null) as headline,
               sum(coalesce(v.denominator, v.numerator)) as records,
               sum(case when v.breakdown_value = 'unallocated'
                        then coalesce(v.denominator, v.numerator) else 0 end) as unallocated,
               count(distinct case when v.breakdown_value <> 'unallocated'
                                   then v.breakdown_value end) as teams
        from marts.measure_catalogue as c
        left join {table} as v
            on v.measure_id = c.measure_id and v.breakdown_by = 'team'
            and v.reporting_period = ?
        group by c.measure_id, c.team_source""", [PERIOD, PERIOD]).fetchall()
    by_source = {m: s for m, s, *_ in rows}
    assert set(by_source.values()) == {"record", "allocation", "none"}
    for measure_id, source, headline, records, unallocated, teams in rows:
        if source == "none":
            assert records is None, measure_id  # no team breakdown at all
            continue
        if not headline:  # nothing to count (e.g. no contact waiting): no breakdown rows
            assert records is None, measure_id
            continue
        assert records == headline, measure_id  # every record is in one team's row
        assert unallocated <= MOST_UNALLOCATED * records, (measure_id, unallocated, records)
        assert teams >= 1, measure_id
    # every team credited is a team of dim_teams
    unknown = demo.execute(f"""select distinct breakdown_value from {table}
        where breakdown_by = 'team' and breakdown_value <> 'unallocated'
          and breakdown_value not in (select team_id from marts.dim_teams)""").fetchall()
    assert unknown == []


def _teams_of(demo, measure_id: str) -> set[str]:
    return {name for (name,) in demo.execute("""
        select t.team_name from marts.measure_values as v
        join marts.dim_teams as t on t.la_code = v.la_code and t.team_id = v.breakdown_value
        where v.measure_id = ? and v.reporting_period = ? and v.breakdown_by = 'team'""",
        [measure_id, PERIOD]).fetchall()}


def test_cases_are_credited_to_the_team_holding_them(demo):
    """Children in care are held by Children in Care teams, care leavers by Leaving Care,
    CP plans by Safeguarding teams: none of them by the assessment team of a referral."""
    assert _teams_of(demo, "cic_at_period_end")
    assert all(n.startswith("Children in Care") for n in _teams_of(demo, "cic_at_period_end"))
    assert all(n.startswith("Leaving Care") for n in _teams_of(demo, "care_leavers_eet"))
    assert all(n.startswith("Safeguarding") for n in _teams_of(demo, "cp_at_period_end"))
    assert any(n.startswith("Assessment") for n in _teams_of(demo, "initial_assessments_10wd"))


@pytest.mark.parametrize("table", FIGURES)
def test_unallocated_cases_counted_two_ways_agree(demo, table):
    """In every period: the open cases without a worker (worker breakdown 'unallocated') are
    the unallocated-cases figure; both caseload measures' team breakdowns add up to their
    headline, and so does the worker breakdown of the open cases."""
    rows = demo.execute(f"""
        select reporting_period,
            sum(case when measure_id = 'open_cases_at_period_end' and breakdown_by is null
                     then numerator end),
            sum(case when measure_id = 'open_cases_at_period_end' and breakdown_by = 'team'
                     then numerator end),
            sum(case when measure_id = 'open_cases_at_period_end' and breakdown_by = 'worker'
                     then numerator end),
            sum(case when measure_id = 'open_cases_at_period_end' and breakdown_by = 'worker'
                      and breakdown_value = 'unallocated' then numerator else 0 end),
            sum(case when measure_id = 'unallocated_cases_at_period_end'
                      and breakdown_by is null then numerator end),
            sum(case when measure_id = 'unallocated_cases_at_period_end'
                      and breakdown_by = 'team' then numerator else 0 end)
        from {table}
        where measure_id in ('open_cases_at_period_end', 'unallocated_cases_at_period_end')
        group by reporting_period""").fetchall()
    assert rows
    for period, open_cases, by_team, by_worker, no_worker, unallocated, unalloc_by_team in rows:
        assert open_cases > 0, period
        assert by_team == by_worker == open_cases, period
        assert no_worker == unallocated == unalloc_by_team, period
        assert unallocated < open_cases, period


def test_clinic_page_shows_the_demo_caseloads(published_demo, demo, tmp_path):
    files = render_report(published_demo.published, PERIOD, "808", tmp_path)
    page = files.clinic.read_text(encoding="utf-8")
    section = page[page.index('id="caseloads"'):]
    section = section[:section.index("</section>")]
    figures = dict(((m, b, v), int(n)) for m, b, v, n in demo.execute("""
        select measure_id, breakdown_by, breakdown_value, numerator
        from marts.measure_values_as_reported
        where reporting_period = ? and measure_id in ('open_cases_at_period_end',
                                                      'unallocated_cases_at_period_end')""",
        [PERIOD]).fetchall())
    total = figures[("open_cases_at_period_end", None, None)]
    assert f'data-caseload-total="open">{total:,}<' in section
    teams = re.findall(r'<tr data-team="([^"]+)"><th scope="row">([^<]+)</th>'
                       r'<td class="num" data-caseload="open">([\d,]+)</td>', section)
    assert {t for t, _, _ in teams} == {v for m, b, v in figures
                                        if m == "open_cases_at_period_end" and b == "team"}
    for team, label, shown in teams:
        assert int(shown.replace(",", "")) == figures[("open_cases_at_period_end", "team", team)]
        assert team == "unallocated" or (label.endswith(f"({team})") and label != f"({team})")
