"""The findings table goes to Spark with the raw layer (csc.spark, docs/scaling.md), empty
as in most warehouses, with column types Spark is told, so the models over it
(stg_returns__validation_findings, marts.return_findings) build on Spark as on DuckDB."""

from __future__ import annotations

import duckdb

from csc.spark import SPARK_TYPES, export_handoff
from csc.workdb import prepare_work_db


def test_the_empty_findings_table_is_handed_to_spark_with_its_types(tmp_path) -> None:
    work = prepare_work_db(tmp_path / "csc.work.duckdb", parts=["load", "returns"])
    tables = {t.qualified_name: t for t in export_handoff(work, tmp_path / "handoff")}
    findings = tables["returns.validation_findings"]
    assert findings.rows == 0
    with duckdb.connect(str(work), read_only=True) as con:
        declared = con.execute("describe returns.validation_findings").fetchall()
    assert [c for c, _ in findings.columns] == [c[0] for c in declared]
    assert {t for _, t in findings.columns} <= set(SPARK_TYPES)
    parquet = str(findings.folder / "data.parquet")
    with duckdb.connect() as con:
        assert con.execute(f"select count(*) from read_parquet('{parquet}')").fetchone() == (0,)
