"""The gate on real data: the raw rules pass on the demo drops, and a failed validation in
the real nightly flow leaves the published warehouse byte for byte as it was. Both start
from the session's `published_demo` (the demo through the real flow): the first reads its
work database, the second runs the flow again on a private copy."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest

from csc.config import warehouse_paths
from csc.validate import validate_build
from csc.validate.gate import EXPECTATIONS_DIR, SUITES_ENV

MUST_FAIL = """\
suite: must_fail
description: A rule every warehouse with contacts breaks, to prove the gate stops publishing.
rules:
  - name: contacts_never_published
    description: There are no contact figures (false on any real build).
    query: select la_code, reporting_period, numerator from marts.measure_values
           where measure_id = 'contacts' and breakdown_by is null
"""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_raw_rules_pass_on_the_demo_drops(published_demo, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    shutil.copy(EXPECTATIONS_DIR / "suites" / "raw_contract.yml", suites)
    # validate_build opens the work database read-only; GX writes only under tmp_path.
    result = validate_build(published_demo.work, tmp_path, suites_dir=suites, strict=True)
    assert result.success, result.failures
    assert [s.suite for s in result.suites] == ["raw_contract"]
    assert result.suites[0].evaluated >= 100


@pytest.mark.e2e
def test_failed_validation_leaves_the_published_file_unchanged(
        prefect_harness, nightly_flow, published_demo, demo_landing: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    first = published_demo.summary  # the flow's first run, which published the demo
    assert first.validation.success
    assert Path(first.validation.data_docs).exists()
    # The second run, on a private copy, has no new drop to load: it builds and validates
    # what is there again, as a nightly run on a day with no delivery does.
    warehouse = published_demo.copy_to(tmp_path / "demo").published
    before = _sha256(warehouse)

    suites = tmp_path / "suites"
    shutil.copytree(EXPECTATIONS_DIR / "suites", suites)
    (suites / "must_fail.yml").write_text(MUST_FAIL, encoding="utf-8")
    monkeypatch.setenv(SUITES_ENV, str(suites))
    with pytest.raises(nightly_flow.RefreshFailed, match="validate step failed") as failed:
        nightly_flow.nightly_refresh(landing=str(demo_landing), warehouse=str(warehouse))
    assert "contacts_never_published" in str(failed.value)
    assert "Data Docs: " in str(failed.value) and "index.html" in str(failed.value)

    assert _sha256(warehouse) == before
    with duckdb.connect(str(warehouse_paths(warehouse).work), read_only=True) as con:
        status, step, failures = con.execute(
            """select status, failed_step, validation_failures from meta.refresh_runs
               order by started_at desc limit 1""").fetchone()
    assert (status, step) == ("failed", "validate")
    assert "must_fail: contacts_never_published" in failures
    assert "la_code=808" in failures
