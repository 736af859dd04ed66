"""dbt's unit tests, run on their own. The nightly refresh's build leaves them out (they
test the models' SQL on fixed rows, not the night's data: `csc.build.NIGHT_EXCLUDES`), so
the suite runs every one of them here, with dbt, on a copy of the session's demo work
database (a unit test takes its inputs' column types from the relations there)."""

from __future__ import annotations

import shutil

import pytest

from csc.build import BuildPlan, copy_manifest, dbt_invoke, parsed_manifest


def _failures(result) -> list[str]:
    return [f"{r.node.unique_id}: {r.status}: {r.message}" for r in result.result or []
            if str(r.status) in ("error", "fail", "runtime error")]


@pytest.fixture(scope="module")
def work_db(published_demo, tmp_path_factory):
    work = tmp_path_factory.mktemp("unit-tests") / published_demo.work.name
    shutil.copyfile(published_demo.work, work)
    return work


def test_every_unit_test_passes(work_db):
    manifest = parsed_manifest(work_db)
    expected = set(manifest.unit_tests)
    assert len(expected) >= 25, "the project's unit tests were not found"
    result = dbt_invoke(["test", "--select", "test_type:unit"], work_db,
                        manifest=copy_manifest(manifest))
    assert result.exception is None, result.exception
    assert _failures(result) == []
    assert {r.node.unique_id for r in result.result} == expected


def test_a_unit_test_fails_on_wrong_sql(work_db):
    """The run above can fail: the same command on a model whose SQL returns no rows fails
    that model's unit tests that expect rows."""
    manifest = copy_manifest(parsed_manifest(work_db))
    test = next(t for t in manifest.unit_tests.values()
                if t.expect.rows and t.model == "int_assessment_timeliness")
    model = next(n for n in manifest.nodes.values()
                 if n.resource_type == "model" and n.name == test.model)
    model.raw_code = f"select * from (\n{model.raw_code}\n) as wrong where 1 = 0"
    result = dbt_invoke(["test", "--select", f"test_type:unit,{test.model}"], work_db,
                        manifest=manifest)
    assert any(test.name in failure and ": fail:" in failure
               for failure in _failures(result)), _failures(result)


def test_a_refresh_build_leaves_the_unit_tests_out():
    for kind in ("full", "incremental"):
        args = BuildPlan(kind, "").args
        assert args[args.index("--exclude-resource-type") + 1] == "unit_test"
