"""The run log, the refresh lock, the step recorder and the retry policy, without running a
refresh."""

import os
import signal
import subprocess
import sys

import duckdb
import pytest
from prefect.states import Failed

from csc import hooks
from csc.config import warehouse_paths
from csc.load import DropRejected
from csc.publish import PublishRefused, publish_warehouse
from csc.runlog import (
    RefreshAlreadyRunning,
    close_stale_runs,
    finish_run,
    read_run,
    refresh_lock,
    start_run,
)
from csc.workdb import prepare_work_db

from .faults import TransientOnce


def test_a_run_log_made_by_an_older_version_gains_the_new_columns(tmp_path):
    work = tmp_path / "csc.work.duckdb"
    with duckdb.connect(str(work)) as con:
        con.execute("create schema meta")
        con.execute("create table meta.refresh_runs (run_id varchar primary key, "
                    "started_at timestamp, finished_at timestamp, status varchar)")
        con.execute("insert into meta.refresh_runs values ('old', now(), now(), 'succeeded')")
    prepare_work_db(work)  # what a refresh does first
    run_id = start_run(work, landing=tmp_path)
    finish_run(work, run_id, "succeeded", step_rows={"load": 3}, drops_loaded=["2014-04-14"])
    row = read_run(work, run_id)
    assert (row["status"], row["step_rows"], row["drops_loaded"]) == (
        "succeeded", '{"load": 3}', "2014-04-14")
    assert read_run(work, "old")["status"] == "succeeded"
    with pytest.raises(KeyError):
        finish_run(work, run_id, "succeeded", no_such_column=1)


def test_stale_running_rows_are_abandoned_unless_their_publication_went_through(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    prepare_work_db(paths.work)
    killed_early = start_run(paths.work)
    with duckdb.connect(str(paths.work)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.measure_values as select 'contacts' as measure_id")
    killed_after_rename = start_run(paths.work)
    # The second run published (its row in the published file says so), then died before
    # it finished its row in the work database: not `succeeded` (its reports may be
    # missing), but `published`.
    publish_warehouse(paths, run_id=killed_after_rename)
    current = start_run(paths.work)

    outcome = close_stale_runs(paths.work, paths.published, by_run=current)
    assert outcome == {killed_early: "abandoned", killed_after_rename: "published"}
    assert "reports may be missing" in read_run(paths.work, killed_after_rename)["message"]
    assert read_run(paths.work, current)["status"] == "running"
    assert "found by run " + current in read_run(paths.work, killed_early)["message"]
    assert close_stale_runs(paths.work, paths.published, by_run=current) == {}


def test_one_refresh_at_a_time_and_a_killed_holder_releases_the_lock(tmp_path):
    paths = warehouse_paths(tmp_path / "csc.duckdb")
    with refresh_lock(paths):
        with pytest.raises(RefreshAlreadyRunning, match=f"process {os.getpid()}"):
            with refresh_lock(paths):
                pass
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time\nfrom csc.config import warehouse_paths\n"
         "from csc.runlog import refresh_lock\n"
         "with refresh_lock(warehouse_paths(sys.argv[1])):\n"
         "    print('held', flush=True)\n    time.sleep(600)\n",
         str(paths.published)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RefreshAlreadyRunning):
            with refresh_lock(paths):
                pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    with refresh_lock(paths):  # the kernel released the dead process's lock
        pass


def test_an_injected_transient_fault_fires_once():
    fault = TransientOnce("test-point-once")
    hooks.reached("test-point-once")  # no hook installed: nothing happens
    hooks.install(fault)
    try:
        hooks.reached("another point")
        with pytest.raises(OSError, match="transient"):
            hooks.reached("test-point-once")
        hooks.reached("test-point-once")
    finally:
        hooks.uninstall(fault)


def test_retries_only_where_a_retry_can_help(nightly_flow):
    def retried(condition, exc):
        return condition(None, None, Failed(data=exc))

    publish_retry, load_retry = nightly_flow.PUBLISH_RETRY, nightly_flow.LOAD_RETRY
    assert retried(publish_retry, OSError(16, "Device or resource busy"))
    assert retried(publish_retry, duckdb.IOException("Could not set lock on file"))
    assert not retried(publish_retry, PublishRefused("postcode"))
    assert not retried(publish_retry, nightly_flow.ValidationFailed("numerator > denominator"))
    assert retried(load_retry, duckdb.IOException("Could not set lock on file"))
    # (built without __init__: the loader's constructor arguments are its own business)
    assert not retried(load_retry, DropRejected.__new__(DropRejected))
    assert not retried(load_retry, ValueError("bad"))
    # The flow's tasks carry these conditions; validation and build have no retries.
    assert nightly_flow.publish_step.retry_condition_fn is publish_retry
    assert nightly_flow.publish_step.retries == 3
    assert nightly_flow.validate.retries == 0 and nightly_flow.build.retries == 0
