"""The temporary Prefect server of one `csc refresh`, started first.

A flow run with no Prefect server (PREFECT_API_URL unset) makes Prefect start a temporary
one: when the flow is called, the refresh process imports Prefect's whole server
(`prefect.server.api.server`, about 2 s of CPU) only to start it in a subprocess, which
imports it again and migrates its database before it answers (about 4 s quiet). Nothing
else can run meanwhile. `csc refresh` instead starts the same server (the same uvicorn
command, app and settings Prefect's SubprocessASGIServer uses) as its very first step, and
imports the flow, dbt, Great Expectations and pandas while the server comes up: on two
cores the two overlap, and the refresh process never imports the server. The run is then
recorded on that server exactly as on Prefect's own temporary one, and the server is
stopped when the refresh ends. With PREFECT_API_URL set (a real server, `csc serve`,
the tests' `prefect server start`) nothing is started.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class TemporaryServer:
    process: subprocess.Popen
    api_url: str

    def wait_ready(self, timeout: float | None = None) -> None:
        """Wait until the server answers /health (PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_
        SECONDS, as for Prefect's own); RuntimeError if it exits or does not answer."""
        timeout = timeout or float(os.environ.get(
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120"))
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code "
                                   f"{self.process.returncode} before it answered")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the temporary Prefect server did not answer within "
                                   f"{timeout:.0f} s")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_configured() -> bool:
    """PREFECT_API_URL is set, in the environment or in the active Prefect profile
    (PREFECT_HOME/profiles.toml), read without importing Prefect."""
    if os.environ.get("PREFECT_API_URL"):
        return True
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()
    try:
        profiles = tomllib.loads((home / "profiles.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    return bool(profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL"))


def start_temporary_server() -> TemporaryServer | None:
    """Start Prefect's temporary server for this process and point PREFECT_API_URL at it,
    unless a server is configured already (`server_configured`); None then. Call before
    Prefect is imported, so that every Prefect setting of the process sees the URL."""
    if server_configured():
        return None
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        return None
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--app-dir", str(Path(spec.origin).parent.parent),
         "--factory", "prefect.server.api.server:create_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "error", "--lifespan", "on"],
        # What Prefect's SubprocessASGIServer sets: no UI, the ephemeral server's services.
        env={**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
             "PREFECT__SERVER_FINAL": "1"},
        stdin=subprocess.DEVNULL)
    api_url = f"http://127.0.0.1:{port}/api"
    os.environ["PREFECT_API_URL"] = api_url
    return TemporaryServer(process, api_url)
