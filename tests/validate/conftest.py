"""Fixtures for the validation gate: hand-built work databases (see gate_workdb.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from gate_workdb import build_clean_work_db  # noqa: E402


@pytest.fixture(scope="session")
def clean_work_db(tmp_path_factory) -> Path:
    """The clean two-LA work database, built once (copy it before changing it)."""
    return build_clean_work_db(tmp_path_factory.mktemp("clean-work") / "csc.work.duckdb")


@pytest.fixture
def work_copy(clean_work_db, tmp_path) -> Path:
    """A private copy of the clean work database."""
    target = tmp_path / "csc.work.duckdb"
    shutil.copyfile(clean_work_db, target)
    return target
