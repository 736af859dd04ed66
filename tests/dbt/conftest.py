"""Fixtures for the dbt project's tests: a work database built by the real loader and a
real `dbt build` of the star schema from the hand-made landing in star_landing.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from star_landing import write_star_landing

from csc.build import dbt_invoke
from csc.load import load_new_drops
from csc.workdb import prepare_work_db

STAR_MODELS = ["dim_dates", "dim_children", "dim_agencies", "dim_teams", "dim_workers",
               "fct_contacts", "fct_referrals", "fct_assessments", "fct_s47_enquiries",
               "fct_cp_conferences", "fct_cp_plans", "fct_care_episodes",
               "fct_care_leaver_contacts", "fct_cafs"]


@pytest.fixture(scope="session")
def star_work_db(tmp_path_factory) -> Path:
    """The hand-made drops loaded and the star schema (and its parents) built with dbt."""
    root = tmp_path_factory.mktemp("star")
    landing = write_star_landing(root / "landing")
    work_db = prepare_work_db(root / "csc.work.duckdb")
    load_new_drops(landing, work_db)
    result = dbt_invoke(["build", "--select", *[f"+{m}" for m in STAR_MODELS]], work_db)
    failed = [f"{r.node.unique_id}: {r.status}: {r.message}" for r in result.result or []
              if str(r.status) in ("error", "fail", "runtime error")]
    assert result.success and not failed, failed or result.exception
    return work_db
