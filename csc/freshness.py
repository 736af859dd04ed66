"""Stale data, said out loud.

Drops arrive every night; when none has for more than a set number of days (the staleness
threshold, `csc.config.stale_after_days`: default 2, CSC_STALE_AFTER_DAYS, `csc refresh
--stale-after-days`), the refresh still runs on the data there is, but the figures are
older than readers assume. It says so in four places, all counting the same way: the age
of the newest extract loaded (`meta.loaded_drops`) is today (`csc.clock.today()`) minus
its extract date, in whole days, and it is stale when that is more than the threshold.

- `check_freshness`, a step of the nightly refresh: its warning goes to the run's log and
  to `meta.refresh_runs` (newest_extract, extract_age_days, stale_after_days, stale,
  freshness_status, warnings);
- `dbt source freshness` on the source `meta.loaded_drops` (warn_after the threshold),
  which `check_freshness` runs and whose status it records (freshness_status);
- the report's banner, "figures as at <extract date> (<n> days old)" (csc.report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from csc import clock
from csc.config import stale_after_days

FRESHNESS_SOURCE = "source:meta.loaded_drops"


@dataclass(frozen=True)
class Staleness:
    """How old the newest extract is on `today`, against the threshold (days)."""

    newest_extract: date | None
    today: date
    threshold: int

    @property
    def days(self) -> int | None:
        """Whole days from the newest extract to today (None: no extract loaded)."""
        return None if self.newest_extract is None else (self.today - self.newest_extract).days

    @property
    def stale(self) -> bool:
        return self.days is None or self.days > self.threshold

    def figures_as_at(self) -> str:
        """'figures as at 2014-04-14 (3 days old)': what the banner and the log say."""
        if self.newest_extract is None:
            return "no extract loaded yet"
        unit = "day" if self.days == 1 else "days"
        return f"figures as at {self.newest_extract.isoformat()} ({self.days} {unit} old)"

    def warning(self) -> str:
        """The warning of a stale refresh, in words (log, meta.refresh_runs.warnings)."""
        return (f"stale data: no new drop for more than {self.threshold} days (today is "
                f"{self.today.isoformat()}): {self.figures_as_at()}. The refresh went on "
                "with the data there is; check that the nightly extracts still reach the "
                "landing folder.")


def staleness_of(newest_extract: date | None, threshold: int | None = None,
                 today: date | None = None) -> Staleness:
    """The staleness of `newest_extract` on `today` (default: the clock's) against
    `threshold` (default: the configured one)."""
    return Staleness(newest_extract, today or clock.today(), stale_after_days(threshold))


def newest_extract(work_db: Path) -> date | None:
    """The extract date of the newest drop loaded into `work_db` (None: none yet)."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        return con.execute("select max(extract_date) from meta.loaded_drops").fetchone()[0]


@dataclass(frozen=True)
class FreshnessResult:
    """What the freshness step found: the staleness (csc's count) and the status of
    `dbt source freshness` on meta.loaded_drops (pass | warn | error | runtime error, or
    `not run: <why>` when dbt could not run it) with the age dbt measured, in days."""

    staleness: Staleness
    dbt_status: str
    dbt_age_days: float | None = None

    @property
    def warnings(self) -> list[str]:
        found = [self.staleness.warning()] if self.staleness.stale else []
        expected = "warn" if self.staleness.stale else "pass"
        if self.dbt_status != expected:
            found.append(f"dbt source freshness on meta.loaded_drops says {self.dbt_status!r} "
                         f"where the newest extract's age says {expected!r}")
        return found


def dbt_source_freshness(work_db: Path, today: date, threshold: int
                         ) -> tuple[str, float | None]:
    """Run `dbt source freshness` on meta.loaded_drops as at `today` (macros/freshness.sql)
    with warn_after `threshold` days; return its status and the age it measured (days)."""
    from csc.build import BuildFailed, dbt_invoke, parsed_manifest

    try:
        # the refresh's one parse (csc.build.parsed_manifest), shared with the build
        manifest = parsed_manifest(work_db, threshold)
    except BuildFailed as exc:
        return f"not run: {exc}", None
    # --no-write-json: the result is read here; dbt would also write target/manifest.json
    # and target/sources.json, which nothing reads (0.6 s of every refresh, measured).
    outcome = dbt_invoke(["source", "freshness", "--select", FRESHNESS_SOURCE,
                          "--no-write-json"], work_db,
                         env={"CSC_FRESHNESS_DATE": today.isoformat(),
                              "CSC_STALE_AFTER_DAYS": str(threshold)}, manifest=manifest)
    if outcome.exception is not None:
        return f"not run: {outcome.exception}", None
    results = list(outcome.result or [])
    if len(results) != 1:
        return f"not run: {len(results)} results for {FRESHNESS_SOURCE}", None
    result = results[0]
    status = getattr(result.status, "value", str(result.status))
    age = getattr(result, "age", None)
    return status, None if age is None else round(age / 86400, 3)


def check_freshness(work_db: Path, threshold: int | None = None) -> FreshnessResult:
    """How old the newest extract loaded into `work_db` is, by csc's count and by
    `dbt source freshness` (module docstring)."""
    staleness = staleness_of(newest_extract(work_db), threshold)
    status, age = dbt_source_freshness(work_db, staleness.today, staleness.threshold)
    return FreshnessResult(staleness, status, age)
