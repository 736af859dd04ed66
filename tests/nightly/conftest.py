"""Fixtures for the nightly-refresh tests that run real processes: one real Prefect server
(`prefect server start`) for the session, the `csc` command as a subprocess pointed at it
(also with the failure tests' faults installed: faults.py), and a separate Python
environment with DuckDB 1.1.3 (what older BI drivers bundle)."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from csc.config import PROJECT_DIR
from csc.prefect_server import TemporaryServer
from csc.prefect_server import _free_port as free_port

VENV_BIN = Path(sys.executable).parent
FAULTS_SCRIPT = Path(__file__).with_name("faults.py")
OLD_DUCKDB = "1.1.3"
OLD_DUCKDB_ENV = Path(os.environ.get(
    "CSC_TEST_DUCKDB_1_1_ENV", Path.home() / ".cache" / "csc-test-duckdb-1.1"))


@dataclass(frozen=True)
class PrefectServer:
    api_url: str
    home: Path

    def env(self, **extra: str) -> dict[str, str]:
        """Environment for a subprocess that talks to this server."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CSC_FAULT")}
        env.update(PREFECT_API_URL=self.api_url, PREFECT_HOME=str(self.home),
                   CSC_PROJECT_DIR=str(PROJECT_DIR), **extra)
        return env


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory) -> PrefectServer:
    """A real Prefect server (`prefect server start`) on a free localhost port, with its
    own PREFECT_HOME; stopped at the end of the session. Waited for and stopped as `csc
    refresh` waits for and stops its temporary server (csc.prefect_server)."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    with (home / "server.log").open("w") as log:
        server = TemporaryServer(subprocess.Popen(
            [str(VENV_BIN / "prefect"), "server", "start", "--host", "127.0.0.1",
             "--port", str(port), "--no-ui"],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True),
            api_url=f"http://127.0.0.1:{port}/api")
        try:
            try:
                server.wait_ready(timeout=180)
            except RuntimeError as error:
                raise RuntimeError(f"the Prefect server did not start ({error}):\n"
                                   + (home / "server.log").read_text()) from None
            yield PrefectServer(api_url=server.api_url, home=home)
        finally:
            server.stop()


def run_csc(args: list[str], env: dict[str, str], timeout: float = 600
            ) -> subprocess.CompletedProcess:
    """`csc ...` as a real subprocess (the installed console script's module)."""
    return subprocess.run([sys.executable, "-m", "csc.cli", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def csc_cli():
    """Run `csc ...` as a subprocess: csc_cli(args, env, timeout)."""
    return run_csc


def run_csc_with_faults(args: list[str], env: dict[str, str], timeout: float = 600
                        ) -> subprocess.CompletedProcess:
    """`csc ...` as a subprocess with the faults its environment asks for (faults.py:
    CSC_FAULT_KILL_AT, CSC_FAULT_TRANSIENT_AT) installed."""
    return subprocess.run([sys.executable, str(FAULTS_SCRIPT), "csc", *args], env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def faulty_csc_cli():
    """Run `csc ...` as a subprocess with faults installed: faulty_csc_cli(args, env,
    timeout)."""
    return run_csc_with_faults


@pytest.fixture(scope="session")
def duckdb_1_1_python() -> Path:
    """Python of a separate environment with DuckDB 1.1.3 from PyPI, created once and
    cached in ~/.cache/csc-test-duckdb-1.1 (CSC_TEST_DUCKDB_1_1_ENV overrides). Made under
    a file lock: two pytest-xdist workers (or two test runs) may ask for it at once."""
    python = OLD_DUCKDB_ENV / "bin" / "python"
    probe = [str(python), "-c", "import duckdb; print(duckdb.__version__)"]
    OLD_DUCKDB_ENV.parent.mkdir(parents=True, exist_ok=True)
    with OLD_DUCKDB_ENV.with_name(OLD_DUCKDB_ENV.name + ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if python.exists():
            found = subprocess.run(probe, capture_output=True, text=True)
            if found.returncode == 0 and found.stdout.strip() == OLD_DUCKDB:
                return python
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(OLD_DUCKDB_ENV)],
                       check=True)
        installed = subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             f"duckdb=={OLD_DUCKDB}"], capture_output=True, text=True)
        assert installed.returncode == 0, \
            f"could not install duckdb {OLD_DUCKDB}:\n{installed.stderr}"
        found = subprocess.run(probe, capture_output=True, text=True, check=True)
        assert found.stdout.strip() == OLD_DUCKDB
        return python
