"""The GX worker process (csc.validate.worker) never outlives the refresh that started it,
never holds the refresh's output open, and works for a caller that is a plain script: a
refresh killed mid-build (cron, a test, an operator's kill) must not leave whoever reads
its output waiting, nor a process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from csc.config import PROJECT_DIR
from csc.validate import gate
from csc.validate.worker import WorkerFailed

# A stand-in for a refresh, as a script with no `if __name__ == "__main__"` guard (a
# worker started by multiprocessing's spawn would run it again, and fail): it starts the
# worker as the flow's build step does, waits until GX is imported there, says the
# worker's pid and waits to be killed.
REFRESH = """
import os, sys, time
from csc.validate import gate
gate.start_worker().wait_ready()
print(gate._in_worker(os.getpid), flush=True)
print("ready", file=sys.stderr, flush=True)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"  # a zombie is gone
    except FileNotFoundError:
        return False


def _gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


def test_a_killed_refresh_leaves_no_gx_worker_and_no_pipe_held_open(tmp_path: Path) -> None:
    script = tmp_path / "refresh_like.py"
    script.write_text(REFRESH)
    refresh = subprocess.Popen([sys.executable, str(script)], cwd=PROJECT_DIR,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        worker = int(refresh.stdout.readline())
        assert refresh.stderr.readline().strip() == "ready"
        assert worker != refresh.pid and _alive(worker)
        refresh.send_signal(signal.SIGKILL)
        # What `subprocess.run(..., capture_output=True)` does: read both pipes to their
        # end. It ends only when no process holds them, the worker included.
        refresh.communicate(timeout=30)
        assert refresh.returncode == -signal.SIGKILL
        assert _gone_within(worker, 10), f"GX worker {worker} outlived the killed refresh"
    finally:
        if refresh.poll() is None:
            refresh.kill()
            refresh.communicate()


def test_a_failure_in_the_worker_comes_back_and_a_dead_worker_is_replaced() -> None:
    with pytest.raises(WorkerFailed, match="ValueError: invalid literal"):
        gate._in_worker(int, "not a number")
    first = gate._in_worker(os.getpid)
    assert first != os.getpid()
    os.kill(first, signal.SIGKILL)
    assert gate.start_worker()._process.wait(timeout=10) == -signal.SIGKILL
    second = gate._in_worker(os.getpid)  # a new worker, GX imported again
    assert second != first and gate._in_worker(int, "7") == 7
