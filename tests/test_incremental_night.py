"""A night costs what changed (macros/kept_computations.sql, "records carried"): after a
night's drop the build computes the child-level records of the children whose records
changed and carries everyone else's from the previous latest extract, and its marts are
exactly those of a full rebuild (`dbt build --full-refresh`) of the same history, after a
realistic night (csc.generate.nights.realistic_night) and after a stress night on top of
it (0.5% of all records recoded at random). marts.measure_records keeps its rows too: rows
planted in it before a night show which it kept and moved to the new extract, and which it
forgot.

One warehouse, the session's first demo drop (first_drop_published) copied, takes both
nights through the real flow; each night's work database is copied and rebuilt in full
for the comparison.
"""

from __future__ import annotations

import json
import os
import shutil
from datetime import date, timedelta

import duckdb
import numpy as np

from csc.build import NIGHT_EXCLUDES, RUN_RESULTS, run_dbt_build
from csc.config import dbt_project_dir
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


SENTINEL = "sentinel %"


def _plant_sentinels(work) -> None:
    """Rows in marts.measure_records that no build computes, on the latest extract: one
    the next night must carry (a child not computed again, of a measure whose records are
    carried: a row that stands for every such child's), one of no child and one of the
    uncarried CAF records model, which it must forget (macro carry_measure_records)."""
    with duckdb.connect(str(work)) as con:
        (caf,) = con.execute("""select min(measure_id) from reference.process_model_measures
            where records_model = 'int_measure_records__caf'""").fetchone()
        con.execute("""create temp table model_row as
            select * from marts.measure_records
            where child_id is not null and measure_id in (
                select measure_id from reference.process_model_measures
                where records_model <> 'int_measure_records__caf')
            limit 1""")
        for kind, measure, child in (("kept", None, "'sentinel child'"),
                                     ("no child", None, "null"),
                                     ("caf", caf, "'sentinel child'")):
            con.execute(f"""insert into marts.measure_records by name
                select * replace (coalesce(?, measure_id) as measure_id,
                                  'sentinel {kind}' as record_id,
                                  {child} as child_id, {child} as child_key)
                from model_row""", [measure])
        assert con.execute("select count(*) from marts.measure_records "
                           "where record_id like ?", [SENTINEL]).fetchone()[0] == 3


def _sentinels_after_the_night(work) -> list[tuple]:
    """The planted rows the night left (record_id, as_at), and forgets them: no rebuild
    has them."""
    with duckdb.connect(str(work)) as con:
        left = con.execute("select record_id, as_at from marts.measure_records "
                           "where record_id like ? order by 1", [SENTINEL]).fetchall()
        con.execute("delete from marts.measure_records where record_id like ?", [SENTINEL])
    return left


def _nodes_run(on: str) -> set[str]:
    """The unique ids of the nodes (seeds, models, tests) the last build ran."""
    path = dbt_project_dir() / os.environ.get("DBT_TARGET_PATH", "target") / RUN_RESULTS
    return {r["unique_id"] for r in json.loads(path.read_text())["results"]
            if on in r["unique_id"] or on == ""}


def _night_equals_a_full_rebuild(built, tmp_path, label: str) -> None:
    """The marts the night's build made are those a full rebuild of the work database
    makes."""
    full = tmp_path / f"{label}-full.duckdb"
    shutil.copyfile(built.work, full)
    result = run_dbt_build(full, extra_args=["--full-refresh", *NIGHT_EXCLUDES])
    assert result.plan == "full"
    assert _one(full, "select carried_from from intermediate.int_latest_carry")[0] is None
    # every mart, measure_records (kept between builds) among them
    assert _one(full, "select count(*) from marts.measure_records")[0] > 0
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
        _plant_sentinels(built.work)
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
        # the seeds and the models made of them alone were kept, not built again, with
        # their own tests; the tests of the night's tables against them ran
        ran = _nodes_run("")
        assert "9 seeds and models that read only the project's seeds kept" \
            in summary.build.reason, summary.build.reason
        assert not ran & {"seed.csc.process_model_measures", "model.csc.int_calendar",
                          "model.csc.dim_dates", "model.csc.measure_catalogue"}
        assert not any(t.startswith("test.csc.not_null_dim_dates") for t in ran)
        assert any(t.startswith("test.csc.relationships_fct_contacts_contact_date__date_day"
                                "__ref_dim_dates_") for t in ran)
        assert "test.csc.assert_measure_catalogue_matches_records" in ran

        # measure_records kept the rows of the children carried, moved to the new extract
        # (a table rebuilt would have lost the planted row), and forgot the others; the
        # comparison below shows it appended exactly the rows it did not keep
        assert _sentinels_after_the_night(built.work) == [("sentinel kept", day)], night

        _night_equals_a_full_rebuild(built, tmp_path, night)
        previous = day
