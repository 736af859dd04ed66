"""Shared fixtures. Everything is real (DuckDB files, dbt, GX, Prefect); only the
Prefect API is a temporary local server, started once for the session.

`make test` runs the suite in two pytest-xdist worker processes (docs/testing.md). Each
worker is a pytest session of its own, so a session fixture would be built once per worker:
the warehouses below are built once for the whole run instead (`_built_once`), and
`pytest_collection_modifyitems` keeps a module's tests on one worker."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import os
import pickle
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest

# Before Prefect is imported anywhere: its home (database, settings) in a temp folder,
# removed when the session's process ends (registered before Prefect's own exit handlers,
# so it runs after them: its temporary server has stopped by then).
if "PREFECT_HOME" not in os.environ:
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="csc-prefect-home-")
    atexit.register(shutil.rmtree, os.environ["PREFECT_HOME"], ignore_errors=True)

from csc.config import PROJECT_DIR, WarehousePaths, set_offline_env, warehouse_paths  # noqa: E402

set_offline_env()

# The pytest-xdist worker this process is ("gw0", "gw1"...), None in a plain pytest run.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
if XDIST_WORKER:
    # A pytest-xdist worker runs `python -c` (execnet) with xdist's worker code: its
    # __main__ has neither __spec__ nor __file__, which pyspark (imported by Great
    # Expectations when the Spark extra is installed) takes for a doctest run, and it ends
    # the process with SystemExit(0) (pyspark.sql.connect.utils.check_dependencies). The
    # worker's main module is xdist's worker code: say so.
    import xdist.remote

    _main = sys.modules["__main__"]
    if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
        _main.__file__ = xdist.remote.__file__
    # dbt writes target/ (compiled SQL, run results, its partial-parse file) and logs/ in
    # the project folder: one folder of each per worker, so two dbt runs at once never write
    # the same file. (`csc refresh` subprocesses inherit them.)
    os.environ.setdefault("DBT_TARGET_PATH", str(PROJECT_DIR / "target" / f"pytest-{XDIST_WORKER}"))
    os.environ.setdefault("DBT_LOG_PATH", str(PROJECT_DIR / "logs" / f"pytest-{XDIST_WORKER}"))


T = TypeVar("T")


def _built_once(tmp_path_factory, name: str, build: Callable[[Path], T]) -> tuple[Path, T]:
    """(folder, `build(folder)`), built once for the whole test run and shared.

    In a plain pytest run: `build` in a new temporary folder. Under pytest-xdist each
    worker is a session of its own, and a session fixture would be built once per worker
    (a demo warehouse is minutes of CPU): the first worker that needs it builds it in a
    folder beside the workers' own temporary folders (under the run's base temporary
    folder), holding a file lock, and leaves `build`'s result there (pickled: a value of
    an importable module, not of a conftest); a worker that needs it meanwhile waits on
    the lock, then takes the same folder and result. A build that failed leaves no result:
    the next worker tries again (and fails the same way, with its own error)."""
    if not XDIST_WORKER:
        folder = tmp_path_factory.mktemp(name)
        return folder, build(folder)
    shared = tmp_path_factory.getbasetemp().parent / "built-once"
    shared.mkdir(exist_ok=True)
    folder, result = shared / name, shared / f"{name}.pickle"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if result.exists():
            return folder, pickle.loads(result.read_bytes())
        shutil.rmtree(folder, ignore_errors=True)  # what a failed build left
        folder.mkdir()
        value = build(folder)
        result.write_bytes(pickle.dumps(value))
        return folder, value


@pytest.fixture(scope="session")
def prefect_harness():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_landing(tmp_path_factory) -> Path:
    """The demo drops, generated once per test run (read-only for tests). The true
    CAF-to-RAISE mapping goes beside it, outside the landing folder."""
    from csc.generate import generate_demo

    def generate(landing: Path) -> None:
        generate_demo(landing, truth=landing.parent / f"{landing.name}-truth")

    return _built_once(tmp_path_factory, "demo-landing", generate)[0]


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


def _flow_built_once(tmp_path_factory, name: str, build: Callable[[Path], FlowWarehouse]
                     ) -> FlowWarehouse:
    """A FlowWarehouse `build(root)` makes, once for the whole test run (`_built_once`)."""
    root, summary = _built_once(tmp_path_factory, name, lambda root: build(root).summary)
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
def first_drop_published(request, nightly_flow, demo_landing, tmp_path_factory
                         ) -> Iterator[FlowWarehouse]:
    """The first demo drop alone through the real nightly flow, once per test run: a
    warehouse before the next drops arrive, built in full. `root/landing` holds that drop.
    Shared, read-only (see FlowWarehouse)."""
    def build(root: Path) -> FlowWarehouse:
        request.getfixturevalue("prefect_harness")
        first = sorted(p.name for p in demo_landing.iterdir() if p.is_dir())[0]
        shutil.copytree(demo_landing / first, root / "landing" / first)
        return _refresh(nightly_flow, root / "landing", root)

    with _kept_unchanged(_flow_built_once(tmp_path_factory, "first-drop", build)) as built:
        yield built


@pytest.fixture(scope="session")
def published_demo(request, nightly_flow, demo_landing, first_drop_published,
                   tmp_path_factory) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow, once per test run: the first drop's
    warehouse (first_drop_published, a full build), then every later drop in one more
    refresh, as a night after a gap would bring them (load, link, an incremental dbt build
    that keeps the first drop's as-reported figures, GX, publish, reports;
    tests/test_kept_computations.py checks every mart equals the full build of
    demo_all_at_once). `root/landing` holds every drop. Shared, read-only (see
    FlowWarehouse). The generator's true CAF-to-RAISE mapping is given to the second link
    step, so meta.linkage_runs (work database) and summary.linkage carry the linkage's
    precision and recall."""
    def build(root: Path) -> FlowWarehouse:
        request.getfixturevalue("prefect_harness")
        first_drop_published.copy_to(root)
        for drop in sorted(p for p in demo_landing.iterdir() if p.is_dir())[1:]:
            shutil.copytree(drop, root / "landing" / drop.name)
        truth = demo_landing.parent / f"{demo_landing.name}-truth" / "caf_child_person.csv"
        with pytest.MonkeyPatch.context() as env:
            env.setenv("CSC_LINKAGE_TRUTH", str(truth))
            return _refresh(nightly_flow, root / "landing", root)

    with _kept_unchanged(_flow_built_once(tmp_path_factory, "published-demo", build)) as built:
        yield built


@pytest.fixture(scope="session")
def demo_drop_by_drop(request, nightly_flow, demo_landing, first_drop_published,
                      tmp_path_factory) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow one refresh per drop, as a council
    loading each night's drop would (the first drop's warehouse, then each later drop in
    its own refresh). Shared, read-only (see FlowWarehouse)."""
    def build(root: Path) -> FlowWarehouse:
        request.getfixturevalue("prefect_harness")
        first_drop_published.copy_to(root)
        built = first_drop_published
        for drop in sorted(p for p in demo_landing.iterdir() if p.is_dir())[1:]:
            shutil.copytree(drop, root / "landing" / drop.name)
            built = _refresh(nightly_flow, root / "landing", root)
        return built

    with _kept_unchanged(_flow_built_once(tmp_path_factory, "drop-by-drop", build)) as built:
        yield built


@pytest.fixture(scope="session")
def demo_all_at_once(request, nightly_flow, demo_landing, tmp_path_factory
                     ) -> Iterator[FlowWarehouse]:
    """Every demo drop through the real nightly flow in one refresh of an empty warehouse,
    as `make demo` and a council backfilling its history do. Shared, read-only."""
    def build(root: Path) -> FlowWarehouse:
        request.getfixturevalue("prefect_harness")
        shutil.copytree(demo_landing, root / "landing")
        return _refresh(nightly_flow, root / "landing", root)

    with _kept_unchanged(_flow_built_once(tmp_path_factory, "all-at-once", build)) as built:
        yield built


FLOW_FIXTURES = {"published_demo", "first_drop_published", "prefect_harness",
                 "demo_drop_by_drop", "demo_all_at_once"}


# Under pytest-xdist (`make test`: `-n 2 --dist loadfile --no-loadscope-reorder`) a work
# unit is a module, sent to one worker whole, so its module fixtures are built once.
# (`--dist loadgroup` with xdist_group marks would allow other units, but pytest-xdist 3.8
# marks a group by rewriting `item._nodeid`, which pytest 9 no longer reads: the marks are
# silently ignored.) The modules are queued heaviest first, so that the long ones start at
# once and the short ones fill the gaps at the end (longest processing time first); the
# first, the kept-computations module, builds the shared demo warehouses
# (first_drop_published, published_demo, demo_all_at_once, demo_drop_by_drop) on one worker
# while the other runs the modules that build warehouses of their own. The weights are
# rough seconds of a module on a quiet machine (docs/testing.md); a module not listed
# weighs 0 and keeps its place in collection order after them. A wrong weight costs time,
# never a result.
UNIT_SECONDS: dict[str, float] = {
    "test_kept_computations.py": 600,
    "e2e/test_dirty_refresh.py": 300,
    "nightly/test_refresh_story.py": 220,
    "test_incremental_night.py": 220,
    "ssd/test_ssd_parity.py": 180,
    "spark/test_cross_engine.py": 130,
    "linkage/test_linkage.py": 80,
    "test_fixed_costs.py": 60,
    "dbt/test_measures_integration.py": 60,
    "returns/test_returns.py": 60,
    "dbt/test_star_schema.py": 50,
    "generate/test_clean_drops.py": 50,
    "generate/test_allocations.py": 45,
    "bi/test_superset.py": 40,
    "validate/test_gate_rules.py": 40,
    "validate/test_gate_scoped.py": 40,
    "linkage/test_linkage_demo.py": 30,
    "e2e/test_nightly_refresh.py": 30,
    "test_publish.py": 30,
    "returns/test_generated_returns.py": 40,
    "returns/test_validators.py": 20,
    "report/test_report_browser.py": 20,
    "load/test_data_quality_privacy.py": 15,
    "nightly/test_freshness.py": 15,
    "generate/test_demo.py": 15,
    "report/test_docs_site_browser.py": 15,
    "dbt/test_unit_tests.py": 20,
    "dbt/test_calendar.py": 14,
    "generate/test_statutory.py": 12,
    "generate/test_scale.py": 12,
    "generate/test_calibration.py": 12,
    "nightly/test_pseudonym_key.py": 10,
}


def _module(item: pytest.Item) -> str:
    return item.path.relative_to(Path(__file__).parent).as_posix()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs a flow-built warehouse runs the real flow (once per session): it
    is an e2e test, so `-m "not e2e"` leaves out every flow run. In a pytest-xdist worker:
    the modules heaviest first (above)."""
    for item in items:
        if FLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
    if XDIST_WORKER:
        items.sort(key=lambda item: -UNIT_SECONDS.get(_module(item), 0.0))  # stable
