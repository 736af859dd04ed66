"""A worker process that has imported Great Expectations, for the validation gate.

Importing GX takes about 6 s of CPU. A refresh starts the worker when its dbt build
starts (csc.validate.gate.start_worker), so that the import runs on the other core while
dbt builds; the validate step then calls into a worker whose GX is loaded.

The worker is `python -m csc.validate.worker`, a process of its own (not multiprocessing's
spawn, which runs the caller's main script again in the child and breaks a script with
no `__main__` guard, or one read from stdin). Calls and results cross its standard input
and output as pickles: (function, arguments) in, ("ok", value) or ("error", traceback)
out. The worker's own output and errors go nowhere: it dups the two pipes away from fds
0 and 1 and points 0, 1 and 2 at /dev/null, so what GX prints cannot break the exchange.

It never outlives its caller: its standard input is a pipe only the caller holds, so when
the caller exits or is killed, the worker reads the end of it and exits. And it never holds
the caller's output open (its error output is /dev/null from the start), so a caller
killed mid-refresh ends for whoever reads its output (cron's mail, a test).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import csc

READY = "ready"


class WorkerFailed(RuntimeError):
    """The worker raised (its traceback is the message) or died."""


class Worker:
    """One worker process, started at once; calls are one at a time (a lock)."""

    def __init__(self) -> None:
        env = dict(os.environ)
        # the csc package this process runs, whether installed or on PYTHONPATH
        root = str(Path(csc.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "csc.validate.worker"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        self._lock = threading.Lock()
        self._ready = False

    @property
    def pid(self) -> int:
        return self._process.pid

    def _receive(self) -> tuple:
        try:
            return pickle.load(self._process.stdout)
        except (EOFError, pickle.UnpicklingError) as exc:
            code = self._process.wait()
            raise WorkerFailed(f"the GX worker (pid {self.pid}) ended, exit code {code}"
                               ) from exc

    def wait_ready(self) -> None:
        """Wait until the worker has imported GX."""
        with self._lock:
            self._wait_ready()

    def _wait_ready(self) -> None:
        if not self._ready:
            message = self._receive()
            if message != (READY,):
                raise WorkerFailed(f"the GX worker did not start: {message!r}")
            self._ready = True

    def call(self, fn: Callable, *args: Any) -> Any:
        """fn(*args) in the worker (fn importable by name, args picklable)."""
        with self._lock:
            self._wait_ready()
            try:
                pickle.dump((fn, args), self._process.stdin)
                self._process.stdin.flush()
            except BrokenPipeError as exc:
                raise WorkerFailed(f"the GX worker (pid {self.pid}) is gone") from exc
            status, value = self._receive()
        if status == "error":
            raise WorkerFailed(f"in the GX worker:\n{value}")
        return value

    def alive(self) -> bool:
        return self._process.poll() is None


def _serve() -> None:
    calls = os.fdopen(os.dup(0), "rb")
    answers = os.fdopen(os.dup(1), "wb")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)
    from csc.config import set_offline_env

    set_offline_env()
    import great_expectations  # noqa: F401 - the import is the point: paid once, early

    pickle.dump((READY,), answers)
    answers.flush()
    while True:
        try:
            fn, args = pickle.load(calls)
        except EOFError:
            return  # the caller has exited, or was killed
        try:
            answer = pickle.dumps(("ok", fn(*args)))
        except BaseException:  # noqa: BLE001 - every failure goes back to the caller
            answer = pickle.dumps(("error", traceback.format_exc()))
        try:
            answers.write(answer)
            answers.flush()
        except BrokenPipeError:
            return


if __name__ == "__main__":
    _serve()
