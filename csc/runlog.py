"""meta.refresh_runs: one row per refresh, in the work database (and so in the published file)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from pathlib import Path

import duckdb

DDL = """
create table if not exists meta.refresh_runs (
    run_id varchar primary key,
    started_at timestamp,
    finished_at timestamp,
    status varchar,            -- running | succeeded | failed
    failed_step varchar,       -- load | build | validate | publish | report (NULL on success)
    message varchar,
    drops_loaded varchar,      -- comma-separated extract dates
    rows_loaded bigint,
    validation_result varchar, -- summary line of the GX checkpoint
    validation_failures varchar,
    step_seconds varchar       -- JSON object: step -> seconds
)
"""


def _connect(work_db: Path) -> duckdb.DuckDBPyConnection:
    work_db.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(work_db))
    con.execute("create schema if not exists meta")
    con.execute(DDL)
    return con


def start_run(work_db: Path) -> str:
    run_id = datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    with _connect(work_db) as con:
        con.execute(
            "insert into meta.refresh_runs (run_id, started_at, status) values (?, ?, 'running')",
            [run_id, datetime.now()],
        )
    return run_id


def update_run(work_db: Path, run_id: str, **fields: object) -> None:
    """Set columns of the run's row; dicts and lists are stored as JSON / comma lists."""
    if not fields:
        return
    values = []
    for value in fields.values():
        if isinstance(value, dict):
            value = json.dumps(value)
        elif isinstance(value, list | tuple):
            value = ",".join(str(v) for v in value)
        values.append(value)
    assignments = ", ".join(f"{k} = ?" for k in fields)
    with _connect(work_db) as con:
        con.execute(f"update meta.refresh_runs set {assignments} where run_id = ?",
                    [*values, run_id])


def finish_run(work_db: Path, run_id: str, status: str, **fields: object) -> None:
    update_run(work_db, run_id, status=status, finished_at=datetime.now(), **fields)
