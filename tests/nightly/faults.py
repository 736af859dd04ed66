"""Fault injection for the failure tests; csc never installs it (csc.hooks).

Set in the environment of a process started through this file:

    CSC_FAULT_KILL_AT=<point>       the process SIGKILLs itself there, as a power cut or the
                                    OOM killer would (no cleanup, no finally blocks):
        load          as soon as the first new drop has committed, i.e. while the next one
                      is checked or merged (with one new drop: when the load step finishes)
        build         after CSC_FAULT_BUILD_NODES (default 5) dbt nodes have finished
        link, validate, report
                      when that step has finished and been recorded, before the next starts
                      (any step: at the latest then)
        publish, mid-publish, before-rename
                      csc.publish's hook points: nothing written yet, the new file half
                      written, the new file complete but not swapped in
    CSC_FAULT_TRANSIENT_AT=<point>  a transient OSError is raised at that hook point, once
                                    per process (e.g. publish: the publish task retries)

    python tests/nightly/faults.py csc ARGS...   `csc ARGS` with the faults installed
    python tests/nightly/faults.py -c CODE ARGS  CODE likewise (sys.argv[1:]: ARGS)
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time
from pathlib import Path

import duckdb

from csc import hooks

KILL_ENV = "CSC_FAULT_KILL_AT"
TRANSIENT_ENV = "CSC_FAULT_TRANSIENT_AT"
BUILD_NODES_ENV = "CSC_FAULT_BUILD_NODES"
SCRIPT = Path(__file__)


def kill_this_process() -> None:
    sys.stdout.flush()
    sys.stderr.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class TransientOnce:
    """A hook raising a transient OSError at `point`, the first time it is reached."""

    def __init__(self, point: str):
        self.point = point
        self.fired = False

    def __call__(self, point: str) -> None:
        if point == self.point and not self.fired:
            self.fired = True
            raise OSError(errno.EBUSY, f"injected transient fault at {point}")


class KillAt:
    """A hook (and a progress listener of the flow) killing the process at `point`."""

    def __init__(self, point: str, work_db: Path | None = None, build_nodes: int = 5):
        self.point = point
        self.work_db = work_db
        self.build_nodes = build_nodes
        self.nodes = 0
        self.stop_watching = threading.Event()

    def __call__(self, point: str) -> None:  # a csc.hooks hook
        if point == "dbt node finished":
            self.nodes += 1
            if self.point == "build" and self.nodes >= self.build_nodes:
                kill_this_process()
        elif point == self.point:
            kill_this_process()

    def on_event(self, event) -> None:  # a flow progress listener (flows.recorder.StepEvent)
        if event.step != self.point:
            return
        if event.phase == "started" and event.step == "load" and self.work_db is not None:
            threading.Thread(target=self._kill_when_a_drop_commits, name="fault-load",
                             daemon=True).start()
        elif event.phase in ("finished", "failed"):
            self.stop_watching.set()
            if event.phase == "finished":
                kill_this_process()

    def _kill_when_a_drop_commits(self) -> None:
        """Kill the process as soon as meta.loaded_drops has one more row than it had."""
        con = None
        baseline = None
        try:
            while not self.stop_watching.is_set():
                try:
                    con = con or duckdb.connect(str(self.work_db))
                    n = con.execute("select count(*) from meta.loaded_drops").fetchone()[0]
                except duckdb.Error:
                    n = None
                if n is not None:
                    baseline = n if baseline is None else baseline
                    if n > baseline:
                        kill_this_process()
                time.sleep(0.02)
        finally:
            if con is not None:
                con.close()


def install_from_env(environ=os.environ, warehouse: str | None = None) -> None:
    """Install the faults the environment asks for (nothing when it asks for none)."""
    if environ.get(TRANSIENT_ENV):
        hooks.install(TransientOnce(environ[TRANSIENT_ENV]))
    if environ.get(KILL_ENV):
        from csc.config import warehouse_paths
        from flows.recorder import add_progress_listener

        kill = KillAt(environ[KILL_ENV], warehouse_paths(warehouse).work if warehouse else None,
                      int(environ.get(BUILD_NODES_ENV, "5")))
        hooks.install(kill)
        add_progress_listener(kill.on_event)


def main(argv: list[str]) -> int:
    if argv[:1] == ["-c"]:
        install_from_env()
        sys.argv = ["-c", *argv[2:]]  # as `python -c CODE ARGS` would have it
        exec(compile(argv[1], "<faults -c>", "exec"), {"__name__": "__main__"})
        return 0
    if argv[:1] == ["csc"]:
        args = argv[1:]
        warehouse = args[args.index("--warehouse") + 1] if "--warehouse" in args else None
        install_from_env(warehouse=warehouse)
        from csc.cli import main as csc_main

        return csc_main(args)
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
