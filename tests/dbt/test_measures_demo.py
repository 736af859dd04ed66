"""The calibrated demo (LA 808) through the real nightly flow (load, link, `dbt build`, GX,
publish: the session's `published_demo`, read-only): measure_values_as_reported
and contact_outcomes_by_source_as_reported reproduce the published Appendix 2 and Table 1 (the
project's transcription in seeds/published_*.csv) cell by cell, except the documented
exceptions below. The transcription seeds are part of the tree: a missing one fails the
reconciliation (it is never skipped)."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR

APPENDIX2 = PROJECT_DIR / "seeds" / "published_appendix2.csv"
TABLE1 = PROJECT_DIR / "seeds" / "published_table1.csv"

# (measure_id, reporting_period): cells the demo does not reproduce, and why.
EXCEPTIONS = {
    # The report's own figures cannot all hold under one definition (docs/calibration.md);
    # the generator's independent reference computation over the drops gives the same
    # figures as the warehouse.
    ("referrals_to_s47", "2012-13"): "generator calibration",
    ("re_referrals_12m", "2012-13"): "generator calibration",
    # As known on 14 July 2013, one CAF child whose RAISE person was recorded only on the next
    # extract is linked to a lookalike: 47, where the report printed 46 (and 5.5% = 47 / 856).
    ("closed_logged_with_active_caf", "2013-14 Q1"): "linkage as known then",
}



def test_the_transcription_of_the_report_is_in_the_tree():
    """Without the seeds the reconciliation below would compare nothing: fail, not skip."""
    for seed in (APPENDIX2, TABLE1):
        assert seed.is_file(), f"{seed} is missing: the reconciliation has nothing to compare"


@pytest.fixture(scope="module")
def demo_warehouse(published_demo) -> duckdb.DuckDBPyConnection:
    """The published file (closed_logged_with_active_caf needs the flow's CAF-RAISE links)."""
    con = duckdb.connect(str(published_demo.published), read_only=True)
    yield con
    con.close()


def _published(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_appendix_2_is_reproduced_except_the_documented_cells(demo_warehouse):
    misses = []
    for cell in _published(APPENDIX2):
        by = cell["breakdown_by"] or None
        breakdown = ("breakdown_by is null" if by is None
                     else "breakdown_by = ? and breakdown_value = ?")
        got = demo_warehouse.execute(
            "select numerator, denominator from marts.measure_values_as_reported "
            "where la_code = '808' and measure_id = ? and reporting_period = ? and " + breakdown,
            [cell["measure_id"], cell["reporting_period"]]
            + ([] if by is None else [by, cell["breakdown_value"]])).fetchall()
        numerator, denominator = got[0] if got else (None, None)
        wanted = [(cell["numerator"], numerator), (cell["denominator"], denominator)]
        if any(printed and (mine is None or float(printed) != float(mine))
               for printed, mine in wanted):
            misses.append((cell["measure_id"], cell["reporting_period"], cell["breakdown_value"],
                           cell["numerator"], cell["denominator"], numerator, denominator))
    unexpected = [m for m in misses if (m[0], m[1]) not in EXCEPTIONS]
    assert unexpected == []
    # the exceptions are real: each still misses (remove it when it starts matching)
    assert {(m[0], m[1]) for m in misses} == set(EXCEPTIONS)


def test_table_1_is_reproduced_cell_by_cell(demo_warehouse):
    misses = []
    for cell in _published(TABLE1):
        got = demo_warehouse.execute(
            "select contacts from marts.contact_outcomes_by_source_as_reported where la_code = ? "
            "and reporting_period = ? and referrer = ? and outcome = ?",
            [cell["la_code"], cell["reporting_period"], cell["referrer"], cell["outcome"]]
        ).fetchall()
        if (got[0][0] if got else 0) != int(cell["contacts"]):
            misses.append((cell["referrer"], cell["outcome"], cell["contacts"], got))
    assert misses == []
