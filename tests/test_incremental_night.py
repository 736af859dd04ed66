"""A night costs what changed (macros/kept_computations.sql, "records carried"): after a
night's drop the build computes the child-level records of the children whose records
changed and carries everyone else's from the previous latest extract, and its marts are
exactly those of a full rebuild (`dbt build --full-refresh`) of the same history, after a
realistic night (csc.generate.nights.realistic_night) and after a stress night on top of
it (0.5% of all records recoded at random).

One warehouse, the session's first demo drop (first_drop_published) copied, takes both
nights through the real flow; each night's work database is copied and rebuilt in full
for the comparison.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta

import duckdb
import numpy as np

from csc.build import NIGHT_EXCLUDES, run_dbt_build
from csc.generate.nights import realistic_night, stress_night
from tests.test_kept_computations import _marts_differing


def _one(work, sql: str):
    with duckdb.connect(str(work), read_only=True) as con:
        return con.execute(sql).fetchone()


def _computed_and_carried(work) -> tuple[int, int, int, int]:
    """(children recomputed, children with records on the latest extract, records the
    records models computed on it, records on it in all) for the carried measures."""
    with duckdb.connect(str(work), read_only=True) as con:
        latest = con.execute("select as_at from intermediate.int_latest_carry").fetchone()[0]
        models = [m for (m,) in con.execute(
            "select distinct records_model from reference.process_model_measures "
            "where records_model is not null and records_model <> "
            "'int_measure_records__caf'").fetchall()]
        computed = sum(con.execute(
            f"select count(*) from intermediate.{m} where as_at = ?", [latest]
        ).fetchone()[0] for m in models)
        recomputed = con.execute(
            "select count(*) from intermediate.int_persons_recomputed").fetchone()[0]
        children, records = con.execute("""
            select count(distinct la_code || '/' || person_id), count(*)
            from intermediate.int_measure_records as r
            inner join reference.process_model_measures as m using (measure_id)
            where r.as_at = ? and m.records_model <> 'int_measure_records__caf'""",
            [latest]).fetchone()
    return recomputed, children, computed, records


def _night_equals_a_full_rebuild(built, tmp_path, label: str) -> None:
    """The marts the night's build made are those a full rebuild of the work database
    makes."""
    full = tmp_path / f"{label}-full.duckdb"
    shutil.copyfile(built.work, full)
    result = run_dbt_build(full, extra_args=["--full-refresh", *NIGHT_EXCLUDES])
    assert result.plan == "full"
    assert _one(full, "select carried_from from intermediate.int_latest_carry")[0] is None
    assert _marts_differing(built.work, full) == {}, label


def test_a_night_builds_what_changed_and_equals_a_full_rebuild(
        first_drop_published, nightly_flow, tmp_path):
    built = first_drop_published.copy_to(tmp_path / "nights")
    landing = built.root / "landing"
    previous = date.fromisoformat(sorted(p.name for p in landing.iterdir())[-1])
    rng = np.random.default_rng(22)

    for night, make in (("realistic", realistic_night), ("stress", stress_night)):
        day = previous + timedelta(days=1)
        changes = make(landing / previous.isoformat(), landing / day.isoformat(), day, rng)
        assert changes.changed > 0
        summary = nightly_flow.nightly_refresh(landing=str(landing),
                                               warehouse=str(built.published))
        assert summary.validation.success, summary.validation.failures
        assert summary.build.plan == "incremental", summary.build.reason

        # the night really carried: the previous latest extract's records were carried to
        # the new one, and the records models computed the changed children only
        assert _one(built.work, "select carried_from from intermediate.int_latest_carry"
                    ) == (previous,), night
        recomputed, children, computed, records = _computed_and_carried(built.work)
        assert 0 < recomputed < children / 5, (night, recomputed, children)
        assert 0 < computed < records / 5, (night, computed, records)
        assert "carried" in summary.build.reason, summary.build.reason

        _night_equals_a_full_rebuild(built, tmp_path, night)
        previous = day
