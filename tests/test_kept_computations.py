"""Kept computations (macros/kept_computations.sql): a build after new, later drops
computes the latest extract's figures and only the as-reported ones not stored yet, keeps
the rest, and makes exactly the marts a full rebuild of the same history makes.

The links are history too (linkage.caf_person_link_versions): a linkage run links each
extract loaded since the run before it, as at its date, and dates what it changes on that
extract, so a figure already computed on an older extract keeps its links, and the figures
as first reported are the same whether the drops came one a night or all at once.
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb

from csc.build import BuildPlan, build_plan, run_dbt_build

# Every mart, with the as-reported ones (the kept computations feed them) first.
MARTS_QUERY = """select table_name from duckdb_tables() where schema_name = 'marts'
                 order by table_name"""


def _marts(work) -> dict[str, list[tuple]]:
    with duckdb.connect(str(work), read_only=True) as con:
        tables = [t for (t,) in con.execute(MARTS_QUERY).fetchall()]
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall()
                for t in tables}


def _count(work, sql: str) -> int:
    with duckdb.connect(str(work), read_only=True) as con:
        return con.execute(sql).fetchone()[0]


def test_a_build_after_later_drops_keeps_the_as_reported_computations(published_demo):
    # published_demo: the first drop built in full, then every later drop in one refresh
    work = published_demo.work
    assert published_demo.summary.build.plan == "incremental"
    ran = _count(work, "select count(*) from intermediate.int_computations_to_run")
    wanted = _count(work, "select count(*) from intermediate.int_period_computations")
    # The first drop's as-reported computations were stored by its own build and kept.
    kept = _count(work, """
        select count(*) from intermediate.int_period_computations as c
        where c.is_as_reported and not c.is_latest and c.as_at = (
            select min(extract_date) from meta.loaded_drops)""")
    assert kept > 0
    assert ran == wanted - kept


def test_the_kept_build_equals_a_full_rebuild_of_the_same_history(published_demo, tmp_path):
    incremental = _marts(published_demo.work)
    again = tmp_path / "full.work.duckdb"
    shutil.copyfile(published_demo.work, again)
    plan = build_plan(again)
    assert plan.kind == "current"  # nothing new: the flow would skip the build
    result = run_dbt_build(again, plan=BuildPlan("full", "the test asks for one"))
    assert result.plan == "full"
    assert _count(again, "select count(*) from intermediate.int_computations_to_run") == \
        _count(again, "select count(*) from intermediate.int_period_computations")
    full = _marts(again)
    assert full.keys() == incremental.keys()
    for table, rows in full.items():
        assert rows == incremental[table], table
    assert full["measure_values_as_reported"]  # not two empty tables


def test_a_linkage_run_links_each_new_extract_as_at_its_date(published_demo):
    work = published_demo.work
    with duckdb.connect(str(work), read_only=True) as con:
        dates = [d for (d,) in con.execute(
            "select extract_date from meta.loaded_drops order by 1").fetchall()]
        linked = [d for (d,) in con.execute(
            "select extract_date from meta.linkage_runs order by linked_at").fetchall()]
        froms = dict(con.execute("""select valid_from, count(*)
                                    from linkage.caf_person_link_versions
                                    group by all""").fetchall())
        current = con.execute("""
            select count(*) from linkage.caf_person_links as l
            where not exists (select 1 from linkage.caf_person_link_versions as v
                              where v.valid_to is null and v.la_code = l.la_code
                                and v.caf_child_id = l.caf_child_id
                                and v.person_id = l.person_id)""").fetchone()[0]
    # the first drop's run linked the first extract, from the start of history; the run
    # after the gap linked each of the gap's extracts in turn, as at its date, and dated
    # what each changed on that extract (nothing had been computed on them yet)
    assert linked == dates
    assert date(1900, 1, 1) in froms and set(froms) <= {date(1900, 1, 1), *dates[1:]}, froms
    assert current == 0  # the open versions are the last run's links


AS_REPORTED = ("measure_values_as_reported", "contact_outcomes_by_source_as_reported")


def test_as_reported_figures_do_not_depend_on_how_the_drops_arrived(
        demo_drop_by_drop, demo_all_at_once, published_demo):
    """The same drops one refresh per drop, all in one refresh, and the first drop then
    the rest after a gap publish the same figures as first reported, links included."""
    by_drop = _marts(demo_drop_by_drop.work)
    at_once = _marts(demo_all_at_once.work)
    after_gap = _marts(published_demo.work)
    for table in AS_REPORTED:
        assert by_drop[table], table  # not two empty tables
        assert by_drop[table] == at_once[table], table
        assert after_gap[table] == at_once[table], table
    # the same links in force on every extract (who to whom, how, from and to when); the
    # probability a link was made with is Splink's, equal to within float summation order
    versions = """select la_code, caf_child_id, person_id, link_method, valid_from, valid_to,
                         match_probability from linkage.caf_person_link_versions
                  order by all"""
    with duckdb.connect(str(demo_drop_by_drop.work), read_only=True) as a, \
            duckdb.connect(str(demo_all_at_once.work), read_only=True) as b:
        one, other = a.execute(versions).fetchall(), b.execute(versions).fetchall()
    assert [r[:6] for r in one] == [r[:6] for r in other]
    assert max(abs(x[6] - y[6]) for x, y in zip(one, other, strict=True)) < 1e-9
