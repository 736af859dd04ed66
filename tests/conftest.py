"""Shared fixtures. Everything is real (DuckDB files, dbt, GX, Prefect); only the
Prefect API is a temporary local server, started once for the session."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

# Before Prefect is imported anywhere: its home (database, settings) in a temp folder.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="csc-prefect-home-"))

from csc.config import WarehousePaths, set_offline_env, warehouse_paths  # noqa: E402

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
    """The flow's module (flows/nightly_refresh.py)."""
    import flows.nightly_refresh

    return flows.nightly_refresh


@dataclass(frozen=True)
class FlowWarehouse:
    """A warehouse made by the real nightly flow, in a folder of its own: `root/warehouse/`
    holds the published csc.duckdb and everything `warehouse_paths` keeps beside it (the work
    database, gx/, logs/, linkage/, the lock file) and `root/reports/` the rendered reports.

    The session's instances are shared: open the published file and the work database with
    `read_only=True`; a test that changes anything takes a private copy first (`copy_to`),
    which is seconds where a build is minutes. (The session checks at its end that neither
    database changed.)"""

    root: Path
    summary: object  # what `nightly_refresh` returned (flows.recorder.RefreshSummary)

    @property
    def published(self) -> Path:
        return self.root / "warehouse" / "csc.duckdb"

    @property
    def paths(self) -> WarehousePaths:
        return warehouse_paths(self.published)

    @property
    def work(self) -> Path:
        return self.paths.work

    def copy_to(self, root: Path) -> FlowWarehouse:
        """A private copy of the whole folder (same layout) under `root`."""
        shutil.copytree(self.root, root, dirs_exist_ok=True)
        return FlowWarehouse(root=root, summary=self.summary)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _refresh(nightly_flow, landing: Path, root: Path) -> FlowWarehouse:
    """Run the flow on `landing` into `root/warehouse/csc.duckdb`."""
    published = FlowWarehouse(root=root, summary={}).published
    summary = nightly_flow.nightly_refresh(landing=str(landing), warehouse=str(published))
    assert summary.validation.success, summary.validation.failures
    return FlowWarehouse(root=root, summary=summary)


@contextlib.contextmanager
def _kept_unchanged(shared: FlowWarehouse) -> Iterator[FlowWarehouse]:
    """Fail after the tests that shared it if the published file or the work database
    changed (the tests may run as root, so file modes cannot keep them read-only)."""
    checksums = {p: _sha256(p) for p in (shared.published, shared.work)}
    yield shared
    changed = [str(p) for p, checksum in checksums.items() if _sha256(p) != checksum]
    assert not changed, f"a test changed the shared warehouse (copy it first): {changed}"


@pytest.fixture(scope="session")
def first_drop_published(prefect_harness, nightly_flow, demo_landing, tmp_path_factory
                         ) -> Iterator[FlowWarehouse]:
    """The first demo drop alone through the real nightly flow, once per session: a
    warehouse before the next drops arrive, built in full. `root/landing` holds that drop.
    Shared, read-only (see FlowWarehouse)."""
    root = tmp_path_factory.mktemp("first-drop")
    first = sorted(p.name for p in demo_landing.iterdir() if p.is_dir())[0]
    shutil.copytree(demo_landing / first, root / "landing" / first)
    with _kept_unchanged(_refresh(nightly_flow, root / "landing", root)) as built:
        yield built


@pytest.fixture(scope="session")
def published_demo(prefect_harness, nightly_flow, demo_landing, first_drop_published,
                   tmp_path_factory) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow, once per session: the first drop's
    warehouse (first_drop_published, a full build), then every later drop in one more
    refresh, as a night after a gap would bring them (load, link, an incremental dbt build
    that keeps the first drop's as-reported figures, GX, publish, reports;
    tests/test_kept_computations.py checks every mart equals the full build of
    demo_all_at_once). `root/landing` holds every drop. Shared, read-only (see
    FlowWarehouse). The generator's true CAF-to-RAISE mapping is given to the second link
    step, so meta.linkage_runs (work database) and summary.linkage carry the linkage's
    precision and recall."""
    root = tmp_path_factory.mktemp("published-demo")
    first_drop_published.copy_to(root)
    for drop in sorted(p for p in demo_landing.iterdir() if p.is_dir())[1:]:
        shutil.copytree(drop, root / "landing" / drop.name)
    truth = demo_landing.parent / f"{demo_landing.name}-truth" / "caf_child_person.csv"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CSC_LINKAGE_TRUTH", str(truth))
        built = _refresh(nightly_flow, root / "landing", root)
    with _kept_unchanged(built):
        yield built


@pytest.fixture(scope="session")
def demo_drop_by_drop(prefect_harness, nightly_flow, demo_landing, first_drop_published,
                      tmp_path_factory) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow one refresh per drop, as a council
    loading each night's drop would (the first drop's warehouse, then each later drop in
    its own refresh). Shared, read-only (see FlowWarehouse)."""
    root = tmp_path_factory.mktemp("drop-by-drop")
    first_drop_published.copy_to(root)
    built = first_drop_published
    for drop in sorted(p for p in demo_landing.iterdir() if p.is_dir())[1:]:
        shutil.copytree(drop, root / "landing" / drop.name)
        built = _refresh(nightly_flow, root / "landing", root)
    with _kept_unchanged(built):
        yield built


@pytest.fixture(scope="session")
def demo_all_at_once(prefect_harness, nightly_flow, demo_landing, tmp_path_factory
                     ) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow in one refresh of an empty warehouse,
    as `make demo` and a council backfilling its history do. Shared, read-only."""
    root = tmp_path_factory.mktemp("all-at-once")
    shutil.copytree(demo_landing, root / "landing")
    with _kept_unchanged(_refresh(nightly_flow, root / "landing", root)) as built:
        yield built


FLOW_FIXTURES = {"published_demo", "first_drop_published", "prefect_harness",
                 "demo_drop_by_drop", "demo_all_at_once"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs a flow-built warehouse runs the real flow (once per session): it
    is an e2e test, so `-m "not e2e"` leaves out every flow run."""
    for item in items:
        if FLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
