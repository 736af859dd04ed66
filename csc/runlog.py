"""meta.refresh_runs: one row per refresh, kept in the work database and published.

A run's row is written as the run goes (status `running`), so a refresh that dies leaves a
trace; flows/recorder.py writes it step by step. A run is `succeeded` once its last step
(the reports) is done, `failed` when a step failed. Only one refresh of a warehouse runs at
a time (`refresh_lock`), so a `running` row found by the next refresh is stale: the process
ended without finishing (killed, crashed, machine restarted). `close_stale_runs` marks it
`abandoned`, or `published` when the published file shows that its publication went
through before the process died (its reports may be missing).

The table and its columns are created by csc.workdb (REFRESH_RUNS_COLUMNS).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import duckdb

from csc.config import WarehousePaths
from csc.workdb import REFRESH_RUNS_COLUMNS as COLUMNS

log = logging.getLogger(__name__)

# What the published copy of the run log keeps: counts and outcomes. Error messages and
# paths stay in the work database (a loader message can quote a delivered value).
PUBLISHED_COLUMNS = (
    "run_id", "started_at", "finished_at", "status", "failed_step", "drops_loaded",
    "rows_loaded", "versions_added", "versions_closed", "record_problems", "dbt_nodes",
    "validation_result", "measures_published", "measure_rows", "published_rows",
    "step_seconds", "step_rows", "step_attempts", "newest_extract", "extract_age_days",
    "stale_after_days", "stale", "freshness_status",
)


def _connect(work_db: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(work_db))


def stored_value(value: object) -> object:
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    if isinstance(value, Path):
        return str(value)
    return value


def start_run(work_db: Path, **fields: object) -> str:
    """Insert a `running` row for a new refresh; return its run id."""
    run_id = datetime.now().strftime("%Y%m%dT%H%M%S-") + uuid.uuid4().hex[:6]
    with _connect(work_db) as con:
        con.execute(
            "insert into meta.refresh_runs (run_id, started_at, status) values (?, ?, 'running')",
            [run_id, datetime.now()],
        )
    update_run(work_db, run_id, **fields)
    return run_id


def update_run(work_db: Path, run_id: str, **fields: object) -> None:
    """Set columns of the run's row; dicts are stored as JSON, lists as comma lists."""
    if not fields:
        return
    unknown = set(fields) - set(COLUMNS)
    if unknown:
        raise KeyError(f"meta.refresh_runs has no column {sorted(unknown)}")
    assignments = ", ".join(f"{k} = ?" for k in fields)
    with _connect(work_db) as con:
        con.execute(f"update meta.refresh_runs set {assignments} where run_id = ?",
                    [*(stored_value(v) for v in fields.values()), run_id])


def finish_run(work_db: Path, run_id: str, status: str, **fields: object) -> None:
    update_run(work_db, run_id, status=status, finished_at=datetime.now(), **fields)


def read_run(work_db: Path, run_id: str) -> dict[str, object]:
    """The run's row as a dict (column -> value)."""
    with _connect(work_db) as con:
        cur = con.execute("select * from meta.refresh_runs where run_id = ?", [run_id])
        names = [d[0] for d in cur.description]
        row = cur.fetchone()
    if row is None:
        raise KeyError(f"no refresh run {run_id}")
    return dict(zip(names, row, strict=True))


def _published_status(published: Path, run_ids: list[str]) -> dict[str, str]:
    """Status of these runs in the published file's run log ({} when it cannot be read)."""
    if not published.exists() or not run_ids:
        return {}
    try:
        with duckdb.connect(str(published), read_only=True) as con:
            rows = con.execute(
                "select run_id, status from meta.refresh_runs where list_contains(?, run_id)",
                [run_ids]).fetchall()
    except duckdb.Error as exc:
        log.warning("could not read the run log of %s: %s", published, exc)
        return {}
    return dict(rows)


def close_stale_runs(work_db: Path, published: Path, by_run: str | None = None
                     ) -> dict[str, str]:
    """Mark `running` rows left by refreshes that died; return run id -> new status.

    Call it while holding `refresh_lock`: then no other refresh is running and every
    `running` row but the caller's own (`by_run`) is stale. A run whose publication
    reached the published file (it died after the rename, before it finished: its
    reports may be missing) is `published`; any other is `abandoned`.
    """
    if not work_db.exists():
        return {}
    with _connect(work_db) as con:
        stale = [r[0] for r in con.execute(
            """select run_id from meta.refresh_runs
               where status = 'running' and run_id is distinct from ? order by started_at""",
            [by_run]).fetchall()]
    if not stale:
        return {}
    in_published = _published_status(published, stale)
    outcome: dict[str, str] = {}
    with _connect(work_db) as con:
        for run_id in stale:
            # (`succeeded`: a file published by a version that marked it so)
            if in_published.get(run_id) in ("published", "succeeded"):
                status = "published"
                message = ("published; the process ended before the run finished, so its "
                           "reports may be missing (`csc report` renders them); found by "
                           f"run {by_run}")
            else:
                status = "abandoned"
                message = ("the process ended before the run finished (killed, crashed or "
                           f"the machine stopped); found by run {by_run}. The published "
                           "warehouse was not changed by it")
            con.execute(
                """update meta.refresh_runs set status = ?, message = coalesce(message, ?)
                   where run_id = ?""", [status, message, run_id])
            outcome[run_id] = status
    return outcome


class RefreshAlreadyRunning(Exception):
    """Another refresh of the same warehouse holds the lock."""


def lock_path(paths: WarehousePaths) -> Path:
    return paths.directory / f".{paths.published.stem}.refresh.lock"


@contextlib.contextmanager
def refresh_lock(paths: WarehousePaths) -> Iterator[Path]:
    """Hold the warehouse's refresh lock for the duration of a refresh.

    An advisory `flock` on a lock file beside the warehouse: the kernel releases it when
    the process ends however it ends, so a killed refresh never leaves a stale lock.
    """
    path = lock_path(paths)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise RefreshAlreadyRunning(
                f"another refresh of {paths.published} is running (process {holder}); "
                f"lock file {path}") from exc
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the flock
