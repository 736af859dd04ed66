"""One place for configuration: paths and environment variables.

Every path the project uses is derived here. The repository root holds the dbt project,
the Prefect flows and the GX project; the package finds it from its own location unless
CSC_PROJECT_DIR says otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(os.environ.get("CSC_PROJECT_DIR", Path(__file__).resolve().parent.parent))
DEFAULT_WAREHOUSE = Path("warehouse") / "csc.duckdb"
DEFAULT_LANDING = Path("landing")
DEFAULT_REPORTS = Path("reports")

# Keep every tool offline and quiet about telemetry (no network here but package registries).
OFFLINE_ENV = {
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    # A flow run with no Prefect server starts a temporary one; on a cold machine its
    # database migrations take longer than Prefect's default 20 s.
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}


# The most memory DuckDB may hold in any step that builds the warehouse (load, link, dbt,
# publish) before it spills to disk. With the refresh process's own 2-2.6 GB on top, a
# national refresh stays under 8 GB (6 GB let the build and publish reach 8.2-8.6 GB,
# docs/performance.md), inside a 24 GB machine with room for the OS and a BI tool.
# Override with CSC_MEMORY_LIMIT (e.g. "12GB").
DEFAULT_MEMORY_LIMIT = "4GB"


def memory_limit() -> str:
    return os.environ.get("CSC_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


def limit_memory(con) -> None:
    """Apply the warehouse's DuckDB memory limit to a connection (a SET, so it is safe on a
    file another connection of this process has open with other settings)."""
    con.execute(f"set memory_limit = '{memory_limit()}'")


# The newest extract loaded is stale when it is more than this many days older than today
# (docs/operations.md, "Stale data"): the refresh still runs, and says so in its log, in
# meta.refresh_runs, in the report's banner and through `dbt source freshness`.
# Override with CSC_STALE_AFTER_DAYS or `csc refresh --stale-after-days`.
DEFAULT_STALE_AFTER_DAYS = 2


def stale_after_days(value: int | str | None = None) -> int:
    """The staleness threshold in days: `value` when given, else CSC_STALE_AFTER_DAYS, else
    DEFAULT_STALE_AFTER_DAYS. A whole number, 0 or more (ValueError otherwise)."""
    if value is None or value == "":
        value = os.environ.get("CSC_STALE_AFTER_DAYS", "").strip() or DEFAULT_STALE_AFTER_DAYS
    try:
        days = int(value)
    except (TypeError, ValueError):
        days = -1
    if days < 0 or str(days) != str(value).strip():
        raise ValueError(f"the staleness threshold must be a whole number of days, 0 or "
                         f"more (CSC_STALE_AFTER_DAYS / --stale-after-days): got {value!r}")
    return days


def set_offline_env() -> None:
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class WarehousePaths:
    """The files of one warehouse.

    published: what analysts and BI tools open; replaced atomically on success.
    work:      the build database: raw history, meta, dbt's staging/intermediate/marts.
               Never opened by users; keeps history between refreshes.
    """

    published: Path

    @property
    def directory(self) -> Path:
        return self.published.parent

    @property
    def work(self) -> Path:
        return self.directory / f"{self.published.stem}.work.duckdb"

    @property
    def staging_publish(self) -> Path:
        """Where the next published file is written before the atomic rename."""
        return self.directory / f".{self.published.stem}.publishing.duckdb"

    @property
    def gx_root(self) -> Path:
        """Root of the Great Expectations project (GX writes it to <root>/gx/: stores,
        validation results, Data Docs). Runtime state, kept beside the warehouse."""
        return self.directory

    @property
    def quarantine(self) -> Path:
        return self.directory / "quarantine"

    @property
    def docs_site(self) -> Path:
        """The dbt docs site of the published marts: one static page, `index.html`,
        replaced atomically after each publication (csc.publish.publish_docs_site)."""
        return self.directory / "docs"

    @property
    def docs_index(self) -> Path:
        return self.docs_site / "index.html"


def published_file(value: str | os.PathLike[str]) -> Path:
    """The published warehouse file `value` names, resolved. A folder is refused: the
    warehouse is a file, and its work file, GX project, docs and reports sit beside it,
    so a folder given by mistake would fill its parent with them (and fail only at the
    publish step, after the whole build)."""
    path = Path(value).resolve()
    if path.is_dir():
        raise ValueError(f"{value} is a folder; the warehouse is the published DuckDB file "
                         f"in it, e.g. {Path(value) / DEFAULT_WAREHOUSE.name}")
    return path


def warehouse_paths(warehouse: str | os.PathLike[str] | None = None) -> WarehousePaths:
    """Resolve the published warehouse path: argument, then CSC_WAREHOUSE, then default.
    ValueError when it names a folder (published_file)."""
    chosen = warehouse or os.environ.get("CSC_WAREHOUSE") or DEFAULT_WAREHOUSE
    return WarehousePaths(published=published_file(chosen))


def dbt_project_dir() -> Path:
    return PROJECT_DIR


def dbt_profiles_dir() -> Path:
    return PROJECT_DIR / "profiles"


def read_yaml(path: Path) -> Any:
    """A YAML file's content, parsed by libyaml (PyYAML's C loader, the same safe tags and
    results as yaml.safe_load, about 8x faster: the dbt property files that each
    publication reads took 0.95 s with the pure-Python loader, 0.11 s with this)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=loader)  # noqa: S506
