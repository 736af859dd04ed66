"""One generated seed built twice through the real nightly flow, from its RAISE/CAF drops and
from the same children as SSD drops: every figure of every measure both sources support is
identical, cell for cell, in measure_values and measure_values_as_reported; the measures
the SSD cannot give (catalogue column ssd_support) publish nothing, or no team and worker
figures, and the report says why in their place. An SSD landing of the Mosaic deployment
refreshes end to end too.

Cost: the smallest seed that has every measure something to count (one LA, two years of
history, three drops, so figures are restated and as reported): about 2 minutes for both
builds, plus one more refresh of one Mosaic drop."""

from __future__ import annotations

import csv
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from csc.config import PROJECT_DIR
from csc.generate import generate
from csc.generate.ssd import convert_landing
from tests.conftest import _refresh

pytestmark = pytest.mark.e2e

CATALOGUE = PROJECT_DIR / "seeds" / "process_model_measures.csv"
KEY = ["la_code", "measure_id", "reporting_period", "period_type", "breakdown_by",
       "breakdown_value"]
FIGURES = ["numerator", "denominator", "value"]
TABLES = ["measure_values", "measure_values_as_reported"]
# three of the eight quarterly drops of two years: the first is a year of history
DROPS = ["2012-10-14", "2013-07-14", "2014-04-14"]


def _support() -> dict[str, str]:
    with CATALOGUE.open(encoding="utf-8", newline="") as fh:
        return {r["measure_id"]: r["ssd_support"] for r in csv.DictReader(fh)}


@pytest.fixture(scope="module")
def landings(tmp_path_factory) -> dict[str, Path]:
    """The same seed as RAISE/CAF drops, SSD (LCS) drops and one Mosaic drop."""
    root = tmp_path_factory.mktemp("ssd-parity")
    generate(root / "generated", ["808"], date(2012, 4, 1), date(2014, 3, 31),
             drops="quarterly", seed=2014, truth=root / "truth")
    raise_landing = root / "raise"
    for drop in DROPS:
        shutil.copytree(root / "generated" / drop, raise_landing / drop)
    convert_landing(raise_landing, root / "ssd", "lcs", root / "truth")
    mosaic = root / "mosaic-all"
    convert_landing(raise_landing, mosaic, "mosaic", root / "truth")
    shutil.copytree(mosaic / DROPS[-1], root / "mosaic" / DROPS[-1])
    return {"raise": raise_landing, "ssd": root / "ssd", "mosaic": root / "mosaic"}


@pytest.fixture(scope="module")
def built(prefect_harness, nightly_flow, landings, tmp_path_factory) -> dict[str, Path]:
    """Each landing through the real nightly flow: the published warehouse of each."""
    out = {}
    for source in ("raise", "ssd"):
        root = tmp_path_factory.mktemp(f"ssd-parity-{source}")
        out[source] = _refresh(nightly_flow, landings[source], root).published
    return out


def _cells(warehouse: Path, table: str) -> dict[tuple, tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(f"select {', '.join(KEY + FIGURES)} from marts.{table}").fetchall()
    return {tuple(r[:len(KEY)]): tuple(r[len(KEY):]) for r in rows}


def test_the_catalogue_says_for_every_measure_whether_the_ssd_supports_it():
    support = _support()
    assert support, "empty catalogue"
    for measure_id, rule in support.items():
        kind, _, reason = rule.partition(":")
        assert rule == "yes" or (kind in ("no", "headline only") and len(reason.strip()) > 20), (
            f"{measure_id}: ssd_support {rule!r} is neither 'yes' nor a kind with its reason")
    kinds = {rule.partition(":")[0] for rule in support.values()}
    assert kinds == {"yes", "no", "headline only"}


@pytest.mark.parametrize("table", TABLES)
def test_both_sources_give_the_same_figures_where_the_ssd_supports_them(built, table):
    support = _support()
    raise_cells, ssd_cells = _cells(built["raise"], table), _cells(built["ssd"], table)

    def expected_from_ssd(key: tuple) -> bool:
        rule = support[key[1]]
        return rule == "yes" or (rule.startswith("headline only")
                                 and key[4] not in ("team", "worker"))

    expected = {k: v for k, v in raise_cells.items() if expected_from_ssd(k)}
    # the comparison is not empty where it matters: every supported measure has figures
    for measure_id, rule in support.items():
        if rule != "yes" and not rule.startswith("headline only"):
            continue
        headline = [v for k, v in expected.items() if k[1] == measure_id and k[4] is None]
        assert headline, f"{measure_id}: no headline figures from RAISE to compare"
    counted = {k[1] for k, v in expected.items() if k[4] is None and (v[0] or v[2])}
    assert len(counted) >= 20, f"too few measures with something counted: {sorted(counted)}"
    assert any(k[4] == "team" for k in expected), "no team breakdown compared"

    only_raise = sorted(set(expected) - set(ssd_cells))
    only_ssd = sorted(set(ssd_cells) - set(expected))
    differ = sorted(k for k in set(expected) & set(ssd_cells) if expected[k] != ssd_cells[k])
    assert not only_raise, f"{len(only_raise)} cells missing from the SSD build: {only_raise[:5]}"
    assert not only_ssd, f"{len(only_ssd)} cells only in the SSD build: {only_ssd[:5]}"
    assert not differ, (f"{len(differ)} cells differ, e.g. "
                        + "; ".join(f"{k}: raise {expected[k]} ssd {ssd_cells[k]}"
                                    for k in differ[:5]))


def test_what_the_ssd_lacks_is_not_published_and_the_report_says_why(built):
    support = _support()
    unavailable = {m: r for m, r in support.items() if r.startswith("no:")}
    headline_only = {m: r for m, r in support.items() if r.startswith("headline only:")}
    raise_cells = _cells(built["raise"], "measure_values")
    # RAISE publishes them (so their absence from the SSD build is the rule, not no data)
    for measure_id in unavailable:
        assert any(k[1] == measure_id for k in raise_cells), measure_id
    for measure_id in headline_only:
        assert any(k[1] == measure_id and k[4] == "team" for k in raise_cells), measure_id
    for table in TABLES:
        ssd_cells = _cells(built["ssd"], table)
        assert not [k for k in ssd_cells if k[1] in unavailable], table
        assert not [k for k in ssd_cells
                    if k[1] in headline_only and k[4] in ("team", "worker")], table
    with duckdb.connect(str(built["ssd"]), read_only=True) as con:
        # nor are the records behind them listed (the RAISE build lists them)
        for records in ("measure_records", "measure_records_as_reported"):
            listed = {m for (m,) in con.execute(
                f"select distinct measure_id from marts.{records}").fetchall()}
            assert listed and not listed & set(unavailable), records
            with duckdb.connect(str(built["raise"]), read_only=True) as raise_con:
                assert {m for (m,) in raise_con.execute(
                    f"select distinct measure_id from marts.{records}").fetchall()
                    } & set(unavailable), records
        availability = dict(con.execute(
            "select measure_id, not_available_reason from marts.measure_availability "
            "where la_code = '808'").fetchall())
        sources = con.execute(
            "select distinct source_system from marts.measure_availability").fetchall()
    assert sources == [("ssd",)]
    for measure_id, rule in {**unavailable, **headline_only}.items():
        assert availability[measure_id] == rule.partition(":")[2].strip()
    from csc.report.data import TABLE1_NOT_FROM_SSD, load_report_data
    from csc.report.layout import NOT_AVAILABLE, build_sections

    data = load_report_data(built["ssd"], "2013-14 Q4", "808")
    notes = {m: b.note for s in build_sections(data) for b in s.blocks for m in b.measure_ids}
    in_report = [m for m in unavailable if m in notes]
    assert in_report, "no unavailable measure is in the Cabinet report"
    for measure_id in in_report:
        reason = unavailable[measure_id].partition(":")[2].strip()
        assert notes[measure_id] and f"{NOT_AVAILABLE}: {reason}" in notes[measure_id]
    # Table 1 needs the contact a referral came from: not published, and said so
    assert not data.contact_outcomes and data.notes["table1"] == TABLE1_NOT_FROM_SSD
    # the RAISE build's report has no such note
    raise_data = load_report_data(built["raise"], "2013-14 Q4", "808")
    assert not raise_data.not_available and raise_data.contact_outcomes


def test_a_mosaic_ssd_drop_refreshes_end_to_end(prefect_harness, nightly_flow, landings, built,
                                                tmp_path):
    published = _refresh(nightly_flow, landings["mosaic"], tmp_path).published
    with duckdb.connect(str(published), read_only=True) as con:
        contacts = con.execute(
            "select sum(numerator) from marts.measure_values where measure_id = 'contacts' "
            "and breakdown_by is null and period_type = 'quarter'").fetchone()[0]
        cic = con.execute(
            "select max(numerator) from marts.measure_values "
            "where measure_id = 'cic_at_period_end' and breakdown_by is null").fetchone()[0]
    assert contacts and contacts > 0 and cic and cic > 0


def test_the_star_schema_holds_the_same_records_from_either_source(built):
    """The fct_* marts read the same source-neutral layer as the measures: the same records
    from either source (care leavers' contacts and children aside: the SSD keeps a care
    leaver's latest contact only, and holds early-help children as persons)."""
    tables = ["fct_contacts", "fct_referrals", "fct_assessments", "fct_s47_enquiries",
              "fct_cp_conferences", "fct_cp_plans", "fct_care_episodes", "fct_cafs"]
    counts = {}
    for source, warehouse in built.items():
        with duckdb.connect(str(warehouse), read_only=True) as con:
            counts[source] = {t: con.execute(f"select count(*) from marts.{t}").fetchone()[0]
                              for t in tables}
            if source == "ssd":
                linked = con.execute("select count(child_key) from marts.fct_cafs").fetchone()
    assert all(counts["raise"].values()), counts["raise"]
    assert counts["ssd"] == counts["raise"]
    assert linked[0] > 0, "no SSD early help episode linked to its child"
