"""The docs site's page (csc.publish.docs_page) from a small manifest and catalog: dbt's own
page with both inlined; the catalog cut to the published tables; compiled SQL dropped; a
page that would hold the pseudonym key refused (publish_docs_site checks before it
writes anything, so the site already published stays)."""

from __future__ import annotations

import pytest

from csc.publish import PublishRefused, docs_page


def _entry(schema: str, name: str) -> dict:
    return {"metadata": {"type": "BASE TABLE", "schema": schema, "name": name,
                         "database": "csc", "comment": None, "owner": None},
            "columns": {"la_code": {"type": "VARCHAR", "index": 1, "name": "la_code",
                                    "comment": None}},
            "stats": {}, "unique_id": f"model.csc.{name}"}


MANIFEST = {"metadata": {"dbt_schema_version": "manifest"}, "nodes": {
    "model.csc.measure_values": {"resource_type": "model", "description": "every measure",
                                 "raw_code": "select * from {{ ref('int_x') }}",
                                 "compiled_code": "select sha256('the-key' || id)",
                                 "compiled": True},
    "model.csc.int_x": {"resource_type": "model", "description": "an intermediate step",
                        "raw_code": "select 1", "compiled_code": None, "compiled": False}}}
CATALOG = {"metadata": {"dbt_schema_version": "catalog"},
           "nodes": {"model.csc.measure_values": _entry("marts", "measure_values"),
                     "model.csc.int_x": _entry("intermediate", "int_x")},
           "sources": {"source.csc.raw.persons": _entry("raw", "persons"),
                       "source.csc.meta.loaded_drops": _entry("meta", "loaded_drops")},
           "errors": None}
PUBLISHED = {("marts", "measure_values"), ("meta", "loaded_drops"), ("meta", "refresh_runs")}


def test_the_page_inlines_the_project_and_the_catalog_of_the_published_tables(monkeypatch):
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", "the-key")
    page, tables = docs_page(MANIFEST, CATALOG, PUBLISHED)
    assert tables == ["marts.measure_values", "meta.loaded_drops"]
    assert "MANIFEST.JSON INLINE DATA" not in page and "CATALOG.JSON INLINE DATA" not in page
    assert "an intermediate step" in page  # the project: every model, lineage included
    assert "the-key" not in page  # compiled SQL is dropped
    assert '"intermediate"' not in page and '"persons"' not in page  # not in the catalog
    assert page.lstrip().lower().startswith("<!doctype html>")


def test_a_page_holding_the_pseudonym_key_is_refused(monkeypatch):
    monkeypatch.setenv("CSC_PSEUDONYM_KEY", "select 1")  # in int_x's SQL as written
    with pytest.raises(PublishRefused, match="would hold the pseudonym key"):
        docs_page(MANIFEST, CATALOG, PUBLISHED)
    monkeypatch.delenv("CSC_PSEUDONYM_KEY")  # the demo key is public: no guard
    assert docs_page(MANIFEST, CATALOG, PUBLISHED)[1]
