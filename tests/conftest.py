"""Shared fixtures. Everything is real (DuckDB files, dbt, GX, Prefect); only the
Prefect API is a temporary local server, started once for the session."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Before Prefect is imported anywhere: its home (database, settings) in a temp folder.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="csc-prefect-home-"))

from csc.config import set_offline_env  # noqa: E402

set_offline_env()


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """The demo drops, generated once per test session (read-only for tests). The true
    CAF-to-RAISE mapping goes beside it, outside the landing folder."""
    from csc.generate import generate_demo

    landing = tmp_path_factory.mktemp("demo-landing")
    generate_demo(landing, truth=landing.parent / f"{landing.name}-truth")
    return landing


@pytest.fixture(scope="session")
def nightly_flow():
    from csc.commands.refresh import load_flow_module

    return load_flow_module()
