"""Every integrity rule of the gate, proved by breaking data in exactly that way.

One work database holds the two clean LAs (808, 805) plus one LA per break below, each LA
broken in exactly one way. One real GX checkpoint run validates it; each test then asserts
that its rule failed *for its LA*, and one test asserts that nothing failed for the clean
LAs (so each break is caught where it was made, not by accident elsewhere). The clean copy
on its own passes (test_clean_copy_passes). One checkpoint run for all breaks keeps this
fast: GX costs seconds per run, not per expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
from gate_workdb import LAS, build_clean_work_db, insert_raw

from csc.validate import ValidationResult, validate_build

MV = "marts.measure_values"
AR = "marts.measure_values_as_reported"
T1 = "marts.contact_outcomes_by_source"


@dataclass(frozen=True)
class Break:
    id: str
    expected: str  # the check (rule name, or GX batch expectation) that must fail
    sql: tuple[str, ...]  # statements; {la} is this break's LA code
    raw: tuple[tuple[str, dict[str, str | None], str | None], ...] = field(default=())
    recompute: str | None = None  # table whose percent values to recompute after the sql
    # False for a GX column expectation whose report lists the bad values, not the rows.
    names_la: bool = True


# A percent rounded half up to one decimal, as the models round it (macro rounded_ratio).
HALF_UP_PERCENT = "floor((2000.0 * numerator + denominator) / (2.0 * denominator)) / 10.0"


def _headline(table: str, measure: str, period: str, sets: str) -> str:
    return (f"update {table} set {sets} where la_code = '{{la}}' and measure_id = '{measure}' "
            f"and reporting_period = '{period}' and breakdown_by is null")


BREAKS = [
    # ---- every row on its own
    Break("negative_numerator", f"counts_are_non_negative_integers[{MV}]",
          (_headline(MV, "re_referrals_12m", "2013-14 Q2", "numerator = -1"),), recompute=MV),
    Break("negative_denominator", f"counts_are_non_negative_integers[{AR}]",
          (_headline(AR, "re_referrals_12m", "2013-14 Q2", "denominator = -5"),),
          recompute=AR),
    Break("fractional_numerator", f"counts_are_non_negative_integers[{MV}]",
          (f"alter table {MV} alter column numerator type double",
           _headline(MV, "re_referrals_12m", "2013-14 Q3", "numerator = 44.5")),
          recompute=MV),
    Break("numerator_over_denominator", f"numerator_within_denominator[{MV}]",
          (_headline(MV, "re_referrals_12m", "2013-14 Q1", "numerator = 91"),), recompute=MV),
    Break("numerator_over_denominator_as_reported", f"numerator_within_denominator[{AR}]",
          (_headline(AR, "re_referrals_12m", "2013-14 Q1", "numerator = 91"),), recompute=AR),
    Break("value_not_the_rounded_ratio", f"value_is_the_rounded_ratio[{MV}]",
          (_headline(MV, "referrals_nfa", "2013-14 Q4", "value = 21.5"),)),
    Break("value_not_the_rounded_ratio_as_reported", f"value_is_the_rounded_ratio[{AR}]",
          (_headline(AR, "referrals_nfa", "2013-14 Q4", "value = 21.5"),)),
    # 1101 / 2000 = 55.05% exactly: half up is 55.1; round() of the double gives 55.0.
    Break("value_rounded_half_down", f"value_is_the_rounded_ratio[{MV}]",
          (_headline(MV, "referrals_nfa", "2013-14 Q4",
                     "numerator = 1101, denominator = 2000, value = 55.0"),)),
    Break("rate_not_per_10000", f"value_is_the_rounded_ratio[{MV}]",
          (_headline(MV, "cafcass_care_applications_rate", "2013-14 Q2", "value = 0.3"),)),
    Break("count_value_not_its_numerator", f"value_is_the_rounded_ratio[{MV}]",
          (_headline(MV, "cp_at_period_end", "2013-14 Q2", "value = 13"),)),
    Break("value_for_a_zero_denominator", f"value_is_the_rounded_ratio[{MV}]",
          (_headline(MV, "re_referrals_12m", "2013-14 Q2",
                     "numerator = 0, denominator = 0, value = 0"),)),
    Break("count_with_a_denominator", f"count_measures_have_no_denominator[{MV}]",
          (_headline(MV, "contacts_to_assessment", "2013-14 Q3", "denominator = 600"),)),
    Break("percent_without_a_denominator", f"ratio_measures_have_a_denominator[{MV}]",
          (_headline(MV, "re_referrals_12m", "2013-14 Q3", "denominator = null, value = null"),)),
    Break("numerator_missing_beside_a_denominator", f"figure_is_whole_or_unavailable[{MV}]",
          (_headline(MV, "re_referrals_12m", "2013-14 Q3", "numerator = null"),)),
    Break("unit_not_the_catalogue_unit", f"unit_matches_catalogue[{MV}]",
          (_headline(MV, "cin_at_period_end", "2013-14 Q1", "polarity = 'up'"),)),
    Break("duplicate_headline_row",
          "marts_integrity.measure_values: expect_compound_columns_to_be_unique",
          (f"""insert into {MV} select * from {MV} where la_code = '{{la}}'
               and measure_id = 'cin_at_period_end' and reporting_period = '2013-14 Q1'""",)),
    # ---- completeness
    Break("measure_missing_in_one_period", f"every_measure_every_period[{MV}]",
          (f"""delete from {MV} where la_code = '{{la}}' and measure_id = 'icpc_15wd'
               and reporting_period = '2013-14 Q3'""",)),
    Break("measure_missing_in_every_period_as_reported", f"every_measure_every_period[{AR}]",
          (f"delete from {AR} where la_code = '{{la}}' and measure_id = 's47_completed_15wd'",)),
    # ---- what the LA's source cannot give (an SSD landing, catalogue ssd_support)
    Break("unavailable_measure_published", f"unavailable_figures_are_not_published[{MV}]",
          ("""update marts.measure_availability set source_system = 'ssd',
               has_figures = false, has_breakdowns = false, not_available_reason = 'lacks it'
               where la_code = '{la}' and measure_id = 'icpc_15wd'""",)),
    Break("unavailable_measure_published_as_reported",
          f"unavailable_figures_are_not_published[{AR}]",
          ("""update marts.measure_availability set source_system = 'ssd',
               has_figures = false, has_breakdowns = false, not_available_reason = 'lacks it'
               where la_code = '{la}' and measure_id = 's47_completed_15wd'""",)),
    Break("team_figure_of_a_headline_only_measure",
          f"unavailable_figures_are_not_published[{MV}]",
          ("""update marts.measure_availability set source_system = 'ssd',
               has_breakdowns = false, not_available_reason = 'no team on a referral'
               where la_code = '{la}' and measure_id = 'referrals_nfa'""",)),
    # ---- shared denominators
    Break("closed_logged_denominator_not_contacts",
          f"closed_logged_denominator_is_contacts[{MV}]",
          (_headline(MV, "contacts_closed_logged", "2013-14 Q2", "denominator = 1601"),),
          recompute=MV),
    Break("closed_logged_denominator_not_contacts_as_reported",
          f"closed_logged_denominator_is_contacts[{AR}]",
          (_headline(AR, "contacts_closed_logged", "2013-14 Q2", "denominator = 1601"),),
          recompute=AR),
    Break("active_caf_denominator_not_closed_logged",
          f"active_caf_denominator_is_closed_logged[{MV}]",
          (_headline(MV, "closed_logged_with_active_caf", "2013-14 Q1", "denominator = 799"),),
          recompute=MV),
    Break("placement_moves_denominator_not_children_in_care",
          f"placement_moves_denominator_is_children_in_care[{MV}]",
          (_headline(MV, "cic_placement_stability_moves", "2013-14 Q4", "denominator = 381"),),
          recompute=MV),
    Break("more_unallocated_cases_than_open_cases", f"unallocated_cases_within_open_cases[{MV}]",
          (_headline(MV, "unallocated_cases_at_period_end", "2013-14 Q3",
                     "numerator = 13, value = 13"),)),
    Break("more_unallocated_cases_than_open_cases_as_reported",
          f"unallocated_cases_within_open_cases[{AR}]",
          (_headline(AR, "unallocated_cases_at_period_end", "2013-14 Q1",
                     "numerator = 20, value = 20"),)),
    Break("permanence_numerators_do_not_add_up", f"permanence_routes_add_up[{MV}]",
          (_headline(MV, "permanence_adoption", "2013-14 Q2", "numerator = 11"),),
          recompute=MV),
    Break("permanence_denominators_differ", f"permanence_routes_add_up[{AR}]",
          (_headline(AR, "permanence_returned_home", "2013-14 Q3", "denominator = 121"),),
          recompute=AR),
    # ---- year to date
    Break("ytd_denominator_falls", f"ytd_denominators_never_fall[{MV}]",
          (_headline(MV, "initial_assessments_10wd", "2013-14 Q3", "denominator = 170"),),
          recompute=MV),
    Break("ytd_count_falls", f"ytd_denominators_never_fall[{MV}]",
          (_headline(MV, "caf2_commenced", "2013-14 Q4", "numerator = 100, value = 100"),)),
    Break("ytd_denominator_falls_within_one_as_at", f"ytd_denominators_never_fall[{AR}]",
          (f"update {AR} set as_at = '2014-04-14' where la_code = '{{la}}'",
           _headline(AR, "cp_plans_2yrs_plus", "2013-14 Q2", "denominator = 89"),),
          recompute=AR),
    # ---- the headline table
    Break("headline_table_figure_differs", "headlines_are_the_headline_rows",
          ("""update marts.measure_headlines set numerator = numerator + 1
              where la_code = '{la}' and measure_id = 'contacts'
              and reporting_period = '2013-14 Q2'""",)),
    Break("headline_table_row_missing", "headlines_are_the_headline_rows",
          ("""delete from marts.measure_headlines where la_code = '{la}'
              and measure_id = 'icpc_15wd' and reporting_period = '2013-14 Q1'""",)),
    Break("headline_table_as_reported_differs", "headlines_are_the_headline_rows",
          ("""update marts.measure_headlines set as_reported_value = 99.9
              where la_code = '{la}' and measure_id = 'referrals_nfa'
              and reporting_period = '2013-14 Q3'""",)),
    # ---- Table 1
    Break("table1_period_missing", "table1_every_period",
          (f"delete from {T1} where la_code = '{{la}}' and reporting_period = '2013-14 Q2'",)),
    Break("table1_total_not_contacts", "table1_total_is_contacts",
          (f"""update {T1} set contacts = contacts + 1 where la_code = '{{la}}'
               and reporting_period = '2013-14 Q4' and referrer = 'Police'
               and outcome = 'yet_to_proceed'""",)),
    Break("table1_nfa_column_not_referrals_nfa", "table1_columns_match_measures",
          (f"""update {T1} set contacts = contacts + case outcome when 'nfa' then -1 else 1 end
               where la_code = '{{la}}' and reporting_period = '2013-14 Q1'
               and referrer = 'Police' and outcome in ('nfa', 'yet_to_proceed')""",)),
    Break("table1_cell_missing", "table1_rows_add_up",
          (f"""update {T1} set contacts = contacts + (
                   select contacts from {T1} where la_code = '{{la}}'
                   and reporting_period = '2013-14 Q3' and referrer = 'Individuals'
                   and outcome = 'yet_to_proceed')
               where la_code = '{{la}}' and reporting_period = '2013-14 Q3'
               and referrer = 'Police' and outcome = 'yet_to_proceed'""",
           f"""delete from {T1} where la_code = '{{la}}' and reporting_period = '2013-14 Q3'
               and referrer = 'Individuals' and outcome = 'yet_to_proceed'""")),
    Break("table1_unknown_outcome",
          "marts_integrity.contact_outcomes_by_source: expect_column_values_to_be_in_set",
          (f"""update {T1} set outcome = 'closed' where la_code = '{{la}}'
               and reporting_period = '2013-14 Q4' and referrer = 'Individuals'
               and outcome = 'closed_logged'""",), names_la=False),
    # ---- raw data, by the extract contract
    Break("raw_key_missing", "key_not_null:persons", (),
          raw=(("persons", {"person_id": None}, None),)),
    Break("raw_key_duplicated", "key_unique:contacts", (),
          raw=(("contacts", {"contact_id": "C1", "person_id": "P1",
                             "contact_date": "2013-06-01"}, None),)),
    Break("raw_required_value_missing", "required_present:assessments.start_date",
          ("update raw.assessments set start_date = null where la_code = '{la}'",)),
    Break("raw_code_not_in_list", "code_in_list:contacts.outcome",
          ("update raw.contacts set outcome = 'closed' where la_code = '{la}'",)),
    # a `codes` column (contract v2): one item outside its list breaks the value
    Break("raw_codes_item_not_in_list", "code_in_list:assessments.factors",
          ("update raw.assessments set factors = '2A;2Z' where la_code = '{la}'",)),
    Break("raw_end_before_start", "dates_in_order:cp_plans.end_date",
          ("update raw.cp_plans set end_date = '2013-05-19' where la_code = '{la}'",)),
    Break("raw_child_without_parent", "parent_exists:referrals.person_id",
          ("update raw.referrals set person_id = 'P9' where la_code = '{la}'",)),
    Break("raw_parent_only_in_history", "parent_exists:cla_reviews.person_id",
          ("update raw.persons set _valid_to = '2014-04-14' where la_code = '{la}'",)),
]


def _break_las() -> dict[str, Break]:
    return {f"9{i:02d}": b for i, b in enumerate(BREAKS)}


def _mentions_la(example: str, la: str) -> bool:
    return f"la_code={la}" in example or f"'la_code': '{la}'" in example


def _apply(con: duckdb.DuckDBPyConnection, la: str, b: Break) -> None:
    for statement in b.sql:
        con.execute(statement.format(la=la))
    for table, values, valid_to in b.raw:
        insert_raw(con, table, {"la_code": la, **values}, valid_to)
    if b.recompute:
        con.execute(f"""update {b.recompute} set value = {HALF_UP_PERCENT}
                        where la_code = '{la}' and unit = 'percent' and denominator > 0""")


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory) -> ValidationResult:
    """One checkpoint run over the clean LAs plus one LA per break."""
    folder = tmp_path_factory.mktemp("broken")
    las = _break_las()
    work = build_clean_work_db(folder / "csc.work.duckdb", LAS + tuple(las))
    with duckdb.connect(str(work)) as con:
        for la, b in las.items():
            _apply(con, la, b)
        # History is not checked: an old version with a bad code is no violation.
        insert_raw(con, "contacts", {"la_code": "808", "contact_id": "C0", "person_id": "P1",
                                     "contact_date": "2013-04-02", "outcome": "bogus"},
                   valid_to="2014-01-14")
    return validate_build(work, folder, strict=True)


def test_clean_copy_passes(work_copy: Path) -> None:
    result = validate_build(work_copy, work_copy.parent, strict=True)
    assert result.success, result.failures
    assert result.failures == [] and result.warnings == []
    assert result.data_docs is not None and result.data_docs.exists()
    assert "passed" in result.summary()


def test_a_ratio_exactly_halfway_passes_rounded_up(work_copy: Path) -> None:
    """55.05% published as 55.1 (half up, as the models round) is no violation: the rule
    once rounded the double and failed a national refresh on exactly this."""
    with duckdb.connect(str(work_copy)) as con:
        con.execute(_headline(MV, "referrals_nfa", "2013-14 Q4",
                              "numerator = 1101, denominator = 2000, value = 55.1")
                    .format(la=LAS[0]))
    result = validate_build(work_copy, work_copy.parent, strict=True)
    assert not any("value_is_the_rounded_ratio" in check
                   for check in result.failed_checks()), result.failures


@pytest.mark.parametrize("la,broken", _break_las().items(), ids=[b.id for b in BREAKS])
def test_checkpoint_fails_on(broken_run: ValidationResult, la: str, broken: Break) -> None:
    assert not broken_run.success
    failed = broken_run.failed_checks()
    matching = {check: rows for check, rows in failed.items()
                if check.split(": ", 1)[1].startswith(broken.expected)
                or check.startswith(broken.expected)}
    assert matching, f"{broken.expected} did not fail; failed: {sorted(failed)}"
    if not broken.names_la:
        return
    assert any(_mentions_la(row, la) for rows in matching.values() for row in rows), (
        f"{broken.expected} failed but not for LA {la}: {matching}")


def test_clean_las_never_fail(broken_run: ValidationResult) -> None:
    for check, rows in broken_run.failed_checks().items():
        for row in rows:
            assert not any(_mentions_la(row, la) for la in LAS), f"{check}: {row}"


def test_failure_messages_say_rule_where_and_sample(broken_run: ValidationResult) -> None:
    message = next(f for f in broken_run.failures
                   if "value_is_the_rounded_ratio[marts.measure_values]" in f)
    assert message.startswith("marts_integrity: value_is_the_rounded_ratio")
    assert "violating row(s)" in message and "measure_id=" in message
    assert "reporting_period=" in message and "expected_value=" in message
    assert "FAILED" in broken_run.summary()
