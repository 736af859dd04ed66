"""Linkage on the calibrated demo, whose CAF children carry the generator's realistic
messiness, measured against the generator's true mapping."""

from __future__ import annotations

from csc.linkage import link_caf_children
from csc.load import load_new_drops
from csc.workdb import prepare_work_db


def test_demo_linkage_meets_the_quality_targets(demo_landing, tmp_path):
    truth = demo_landing.parent / f"{demo_landing.name}-truth" / "caf_child_person.csv"
    work = prepare_work_db(tmp_path / "work.duckdb")
    load_new_drops(demo_landing, work)
    result = link_caf_children(work, truth_file=truth)
    assert result.precision >= 0.98, result
    assert result.recall >= 0.95, result
    assert result.links_by_method["probabilistic"] > 0
