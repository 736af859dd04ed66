"""Kept computations (macros/kept_computations.sql): a build after new, later drops
computes the latest extract's figures and only the as-reported ones not stored yet, keeps
the rest, and makes exactly the marts a full rebuild of the same history makes.

The links are history too (linkage.caf_person_link_versions): a linkage run links each
extract loaded since the run before it, as at its date, and dates what it changes on that
extract, so a figure already computed on an older extract keeps its links, and the figures
as first reported are the same whether the drops came one a night or all at once.
"""

from __future__ import annotations

from datetime import date

import duckdb

# Every mart, with the as-reported ones (the kept computations feed them) first.
MARTS_QUERY = """select table_name from duckdb_tables() where schema_name = 'marts'
                 order by table_name"""


def _marts(work, tables: tuple[str, ...] | None = None) -> dict[str, list[tuple]]:
    """The rows of every mart (or of `tables`), in order."""
    with duckdb.connect(str(work), read_only=True) as con:
        tables = tables or tuple(t for (t,) in con.execute(MARTS_QUERY).fetchall())
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall()
                for t in tables}


def _marts_differing(one, other) -> dict[str, str]:
    """Marts of two work databases that differ (their columns, or their rows counted with
    repeats, `except all` both ways), computed in DuckDB: reading a million rows of each
    into Python to compare took seconds more."""
    differing = {}
    with duckdb.connect(":memory:") as con:
        con.execute("set enable_progress_bar = false")
        con.execute(f"attach '{one}' as one (read_only)")
        con.execute(f"attach '{other}' as other (read_only)")
        names = {db: [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where database_name = ? "
            "and schema_name = 'marts' order by 1", [db]).fetchall()]
            for db in ("one", "other")}
        assert names["one"] == names["other"], names
        for table in names["one"]:
            columns = [con.execute(f"select column_name, data_type from duckdb_columns() "
                                   f"where database_name = '{db}' and schema_name = 'marts' "
                                   f"and table_name = ? order by column_index",
                                   [table]).fetchall() for db in ("one", "other")]
            if columns[0] != columns[1]:
                differing[table] = f"columns {columns}"
                continue
            only = [con.execute(f"select count(*) from (select * from {a}.marts.{table} "
                                f"except all select * from {b}.marts.{table})").fetchone()[0]
                    for a, b in (("one", "other"), ("other", "one"))]
            if only != [0, 0]:
                differing[table] = f"rows only in one, only in the other: {only}"
    return differing


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


def test_the_kept_build_equals_a_full_build_of_the_same_drops(published_demo,
                                                              demo_all_at_once):
    # demo_all_at_once: the same drops in one refresh of an empty warehouse, built in full
    # by the flow (the same links in force on every extract: the arrival test below).
    # Every mart the kept build made is the one a full build of the same history makes.
    assert demo_all_at_once.summary.build.plan == "full"
    full_work = demo_all_at_once.work
    assert _count(full_work, "select count(*) from intermediate.int_computations_to_run") == \
        _count(full_work, "select count(*) from intermediate.int_period_computations")
    assert _marts_differing(published_demo.work, full_work) == {}
    assert _count(full_work, "select count(*) from marts.measure_values_as_reported")


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
    by_drop = _marts(demo_drop_by_drop.work, AS_REPORTED)
    at_once = _marts(demo_all_at_once.work, AS_REPORTED)
    after_gap = _marts(published_demo.work, AS_REPORTED)
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
