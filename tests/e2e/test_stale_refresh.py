"""A refresh whose newest drop is older than the staleness threshold, and the dbt docs site
each refresh publishes, on the session's shared demo (published_demo, read-only: no new
refresh). The demo's newest extract is 2014-04-14 and the clock is the machine's, so that
refresh was stale: it must have said so in the log, in meta.refresh_runs (work and
published), through `dbt source freshness`, and in the banner of both pages. (The fresh
case, and the clock set for it, is the rerun in test_nightly_refresh.py.)"""

from __future__ import annotations

import json
import re

import duckdb
import pytest

from csc.pseudonym import DEMO_KEY
from csc.publish import dbt_descriptions

pytestmark = pytest.mark.e2e

NEWEST = "2014-04-14"


def _run_row(db, run_id):
    with duckdb.connect(str(db), read_only=True) as con:
        cur = con.execute("select * from meta.refresh_runs where run_id = ?", [run_id])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def test_a_stale_refresh_says_so_in_every_place(published_demo):
    summary = published_demo.summary
    row = _run_row(published_demo.work, summary.run_id)
    # n, by the day the run ran (the clock's): the age of the newest demo extract.
    age = (row["started_at"].date() - row["newest_extract"]).days
    assert str(row["newest_extract"]) == NEWEST and age > 2
    words = f"figures as at {NEWEST} ({age} days old)"

    # meta.refresh_runs, in the work file and in the published copy
    assert (row["extract_age_days"], row["stale_after_days"], row["stale"],
            row["freshness_status"]) == (age, 2, True, "warn")
    assert words in row["warnings"] and "no new drop for more than 2 days" in row["warnings"]
    published = _run_row(published_demo.published, summary.run_id)
    assert (published["extract_age_days"], published["stale"],
            published["freshness_status"]) == (age, True, "warn")
    assert "warnings" not in published  # words stay in the work file, as messages do

    # the log, as a warning
    log = summary.log_file.read_text(encoding="utf-8")
    assert re.search(r"WARNING \S+: Freshness warning: stale data: no new drop for more "
                     r"than 2 days \(today is [0-9-]+\): " + re.escape(words), log)

    # dbt source freshness on meta.loaded_drops, run by the flow
    assert (summary.freshness.dbt_status, summary.freshness.dbt_age_days) == ("warn", age)

    # the banner of the Cabinet report and of the clinic page
    for page in (summary.reports[0].html, summary.reports[0].clinic):
        text = page.read_text(encoding="utf-8")
        assert f"<strong>Stale data:</strong> {words}. No newer extract has been loaded " \
               "for more than 2 days." in text, page.name

    # The run before it (the first drop alone, also long ago) warned too: every run checks.
    with duckdb.connect(str(published_demo.work), read_only=True) as con:
        earlier = con.execute("select newest_extract, stale from meta.refresh_runs "
                              "where run_id <> ?", [summary.run_id]).fetchall()
    assert [stale for _, stale in earlier] == [True]
    assert earlier[0][0] < row["newest_extract"]


def _inlined(page: str, start: str) -> dict:
    """The JSON document the docs page inlines, found by how it starts."""
    return json.JSONDecoder().raw_decode(page, page.index(start))[0]


def test_the_docs_site_describes_the_published_marts(published_demo):
    site = published_demo.paths.docs_index
    summary = published_demo.summary
    assert summary.docs.path == site and site.is_file()
    assert _run_row(published_demo.work, summary.run_id)["docs_site"] == str(site)
    page = site.read_text(encoding="utf-8")
    assert not list(site.parent.glob(".*")), "a half-written page was left beside the site"

    # Descriptions and lineage of every mart, as the dbt project writes them.
    description = dbt_descriptions()["measure_values"][0]
    manifest = _inlined(page, '{"metadata": {"dbt_schema_version": "https://schemas.'
                              'getdbt.com/dbt/manifest/')
    node = manifest["nodes"]["model.csc.measure_values"]
    assert " ".join(node["description"].split()) == description
    assert node["depends_on"]["nodes"]  # lineage: what it is built from
    # Never compiled: the SQL as written, no rendered variable (the pseudonym key).
    assert all(not n.get("compiled_code") for n in manifest["nodes"].values())
    assert DEMO_KEY not in page

    # The catalog (columns as built) holds the published tables only.
    catalog = _inlined(page, '{"metadata": {"dbt_schema_version": "https://schemas.'
                             'getdbt.com/dbt/catalog/')
    described = {(e["metadata"]["schema"], e["metadata"]["name"])
                 for kind in ("nodes", "sources") for e in catalog[kind].values()}
    with duckdb.connect(str(published_demo.published), read_only=True) as con:
        tables = set(con.execute("select schema_name, table_name from duckdb_tables()"
                                 ).fetchall())
    assert described <= tables
    assert {s for s, _ in described} == {"marts", "meta"}
    assert {t for s, t in tables if s == "marts"} == {t for s, t in described if s == "marts"}
    assert ("marts", "measure_values") in described
    columns = catalog["nodes"]["model.csc.measure_values"]["columns"]
    assert {"la_code", "measure_id", "numerator", "denominator", "value"} <= set(columns)
