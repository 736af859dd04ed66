"""Read what the report needs from a published warehouse file (read-only, never written).

Every table is optional: a warehouse built before a mart existed still renders, with a note
in place of the missing section. `ReportData.notes` collects what was missing.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb

from csc.report.periods import ReportingPeriod, latest_period, report_columns

FIGURE_TABLES = {
    "as_reported": "marts.measure_values_as_reported",
    "restated": "marts.measure_values",
}
# Table 1, as first reported or restated; the first table present is read (a warehouse
# published before the as-reported Table 1 existed has only the latest one).
TABLE1_TABLES = {
    "as_reported": ("marts.contact_outcomes_by_source_as_reported",
                    "marts.contact_outcomes_by_source"),
    "restated": ("marts.contact_outcomes_by_source",),
}


class ReportInputError(ValueError):
    """The warehouse cannot produce the report asked for (missing file, unknown period...)."""


@dataclass(frozen=True)
class Measure:
    """One row of marts.measure_catalogue."""

    measure_id: str
    section: str
    display_order: int
    title: str
    unit: str
    period_kind: str
    polarity: str
    definition: str


@dataclass(frozen=True)
class Figure:
    """One row of marts.measure_values[_as_reported]."""

    measure_id: str
    reporting_period: str
    breakdown_by: str | None
    breakdown_value: str | None
    numerator: float | None
    denominator: float | None
    value: float | None
    unit: str
    direction: str | None
    as_at: date | None = None
    # as reported only: 'first_after_period', or 'earliest_available' (the period ended long
    # before the earliest extract, so the figure was computed on it, not as first reported)
    as_reported_basis: str | None = None

    @property
    def on_earliest_extract(self) -> bool:
        return self.as_reported_basis == "earliest_available"


FigureKey = tuple[str, str, str | None, str | None]  # measure, period, breakdown_by, value


@dataclass(frozen=True)
class Restatement:
    measure_id: str
    reporting_period: str
    breakdown_by: str | None
    breakdown_value: str | None
    first: Figure
    now: Figure


@dataclass(frozen=True)
class Benchmark:
    """One row of marts.measure_benchmarks: the LA's figure beside its region and England."""

    measure_id: str
    comparison_unit: str
    comparison_value: float | None
    region_name: str | None
    region_value: float | None
    region_la_count: int | None
    england_value: float | None
    england_la_count: int | None
    england_rank: int | None
    england_quartile: int | None
    compared_with_region: str | None
    compared_with_england: str | None


@dataclass(frozen=True)
class RefreshRun:
    run_id: str
    finished_at: datetime | None
    validation_result: str | None
    drops_loaded: str | None


@dataclass
class ReportData:
    warehouse: Path
    la_code: str
    figures_kind: str
    period: ReportingPeriod
    catalogue: list[Measure]
    figures: dict[FigureKey, Figure]
    contact_outcomes: list[tuple[str, str, int]]  # referrer, outcome, contacts
    table1_source: str | None
    restatements: list[Restatement]
    run: RefreshRun | None
    latest_extract: date | None
    notes: dict[str, str] = field(default_factory=dict)
    tables: set[str] = field(default_factory=set)
    benchmarks: list[Benchmark] = field(default_factory=list)
    team_names: dict[str, str] = field(default_factory=dict)  # team_id -> name (dim_teams)
    # measure_id -> why the LA's source gives no figure, or no team/worker figures
    # (marts.measure_availability: an SSD landing, catalogue column ssd_support)
    not_available: dict[str, str] = field(default_factory=dict)

    @property
    def figures_table(self) -> str:
        return FIGURE_TABLES[self.figures_kind]

    def figure(self, measure_id: str, period: str, breakdown_by: str | None = None,
               breakdown_value: str | None = None) -> Figure | None:
        return self.figures.get((measure_id, period, breakdown_by, breakdown_value))

    def breakdown_values(self, measure_id: str, breakdown_by: str) -> list[str]:
        return self._breakdowns.get((measure_id, breakdown_by), [])

    @functools.cached_property
    def _breakdowns(self) -> dict[tuple[str, str], list[str]]:
        """(measure_id, breakdown_by) -> its breakdown values, sorted: one pass over the
        figures for the whole report (a pass per call was a fifth of a report's time)."""
        values: dict[tuple[str, str], set[str]] = {}
        for measure_id, _period, breakdown_by, value in self.figures:
            if value is not None:
                values.setdefault((measure_id, breakdown_by), set()).add(value)
        return {key: sorted(found) for key, found in values.items()}

    def measures_in(self, section: str) -> list[Measure]:
        return [m for m in self.catalogue if m.section == section]

    def periods_with_figures(self) -> list[ReportingPeriod]:
        return list(self._periods_with_figures)

    @functools.cached_property
    def _periods_with_figures(self) -> tuple[ReportingPeriod, ...]:
        """The periods with figures, sorted: one pass over the figures for the whole report
        (every trend chart asks, and a pass each was a tenth of a report's time)."""
        labels = {k[1] for k in self.figures}
        return tuple(sorted(ReportingPeriod.parse(label) for label in labels))


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("select schema_name || '.' || table_name from duckdb_tables()").fetchall()
    rows += con.execute("select schema_name || '.' || view_name from duckdb_views() "
                        "where not internal").fetchall()
    return {r[0] for r in rows}


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    rows = con.execute("select column_name from duckdb_columns() "
                       "where schema_name = ? and table_name = ?", [schema, name]).fetchall()
    return {r[0] for r in rows}


def connect_read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.is_file():
        raise ReportInputError(f"{warehouse}: no published warehouse file there (run "
                               f"`csc refresh` first, or pass --warehouse)")
    return duckdb.connect(str(warehouse), read_only=True)


def read_catalogue(con: duckdb.DuckDBPyConnection) -> list[Measure]:
    rows = con.execute(
        """select measure_id, section, display_order, title, unit, period_kind, polarity,
                  definition
           from marts.measure_catalogue order by display_order, measure_id""").fetchall()
    return [Measure(r[0], r[1], int(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]


TABLE1_NOT_FROM_SSD = (
    "Not available from this source: Table 1 follows each contact to the referral it became, "
    "and the Standard Safeguarding Dataset does not say which contact a referral came from.")


def read_not_available(con: duckdb.DuckDBPyConnection, la_code: str) -> dict[str, str]:
    """measure_id -> the reason the LA's source cannot give its figures (no figure at all,
    or none by team and worker), from marts.measure_availability."""
    rows = con.execute(
        """select measure_id, not_available_reason from marts.measure_availability
           where la_code = ? and not_available_reason is not null""", [la_code]).fetchall()
    return {r[0]: r[1] for r in rows}


def read_figures(con: duckdb.DuckDBPyConnection, table: str, la_code: str,
                 periods: set[str] | None = None,
                 without_breakdowns: tuple[str, ...] = ()) -> list[Figure]:
    """The LA's figures in `table`; only those of `periods` when given, and none broken
    down by any of `without_breakdowns`."""
    columns = _columns(con, table)
    as_at = "as_at" if "as_at" in columns else "null"
    basis = "as_reported_basis" if "as_reported_basis" in columns else "null"
    where, params = "la_code = ?", [la_code]
    if periods is not None:
        where += " and list_contains(?, reporting_period)"
        params.append(sorted(periods))
    if without_breakdowns:
        where += " and not list_contains(?, coalesce(breakdown_by, ''))"
        params.append(list(without_breakdowns))
    rows = con.execute(
        f"""select measure_id, reporting_period, breakdown_by, breakdown_value,
                   numerator, denominator, value, unit, direction, {as_at}, {basis}
            from {table} where {where}""", params).fetchall()
    return [Figure(*r) for r in rows]


def _differs(first: Figure, now: Figure) -> bool:
    return (first.numerator, first.denominator, first.value) != (
        now.numerator, now.denominator, now.value)


def read_restatements(con: duckdb.DuckDBPyConnection, la_code: str,
                      periods: set[str]) -> list[Restatement]:
    """Figures for the report's periods whose first-reported and current values differ
    (team and worker rows are left to the clinic view)."""
    def keyed(table: str) -> dict[FigureKey, Figure]:
        figs = read_figures(con, FIGURE_TABLES[table], la_code, periods, ("team", "worker"))
        return {(f.measure_id, f.reporting_period, f.breakdown_by, f.breakdown_value): f
                for f in figs}

    first, now = keyed("as_reported"), keyed("restated")
    return [Restatement(*key, first[key], now[key])
            for key in sorted(first.keys() & now.keys(), key=_sort_key)
            if _differs(first[key], now[key])]


def _sort_key(key: FigureKey) -> tuple:
    return (key[0], ReportingPeriod.parse(key[1]), key[2] or "", key[3] or "")


def read_contact_outcomes(con: duckdb.DuckDBPyConnection, table: str, la_code: str,
                          period: str) -> list[tuple[str, str, int]]:
    rows = con.execute(
        f"""select referrer, outcome, sum(contacts)::bigint
            from {table}
            where la_code = ? and reporting_period = ?
            group by referrer, outcome order by referrer, outcome""",
        [la_code, period]).fetchall()
    return [(r[0], r[1], int(r[2])) for r in rows]


def read_benchmarks(con: duckdb.DuckDBPyConnection, la_code: str, period: str,
                    order: dict[str, int]) -> list[Benchmark]:
    rows = con.execute(
        """select measure_id, comparison_unit, comparison_value, region_name, region_value,
                  region_la_count, england_value, england_la_count, england_rank,
                  england_quartile, compared_with_region, compared_with_england
           from marts.measure_benchmarks
           where la_code = ? and reporting_period = ?""", [la_code, period]).fetchall()
    return sorted((Benchmark(*r) for r in rows),
                  key=lambda b: (order.get(b.measure_id, 10**6), b.measure_id))


def _benchmark_note(benchmarks: list[Benchmark], la_code: str, period: str) -> str | None:
    if not benchmarks:
        return f"marts.measure_benchmarks has no rows for LA {la_code} in {period}."
    if max((b.england_la_count or 0) for b in benchmarks) <= 1:
        return (f"This warehouse holds one LA's data: the region and England figures would "
                f"be LA {la_code}'s own. Load other LAs' extracts to compare.")
    return None


def read_team_names(con: duckdb.DuckDBPyConnection, la_code: str) -> dict[str, str]:
    rows = con.execute("""select team_id, team_name from marts.dim_teams
                          where la_code = ? and team_name is not null""", [la_code]).fetchall()
    return {r[0]: r[1] for r in rows}


def read_latest_run(con: duckdb.DuckDBPyConnection) -> RefreshRun | None:
    # `published`: the run that wrote this file (its reports were still to come)
    row = con.execute(
        """select run_id, finished_at, validation_result, drops_loaded
           from meta.refresh_runs where status in ('succeeded', 'published')
           order by finished_at desc nulls last, started_at desc limit 1""").fetchone()
    return RefreshRun(*row) if row else None


def read_latest_extract(con: duckdb.DuckDBPyConnection, tables: set[str]) -> date | None:
    if "meta.loaded_drops" in tables:
        return con.execute("select max(extract_date) from meta.loaded_drops").fetchone()[0]
    if "marts.measure_values_as_reported" in tables:
        return con.execute(
            "select max(as_at) from marts.measure_values_as_reported").fetchone()[0]
    return None


def load_report_data(warehouse: Path, period: str | None, la_code: str,
                     figures: str = "as_reported") -> ReportData:
    """Everything the Cabinet report shows for one LA and period, from the published file."""
    if figures not in FIGURE_TABLES:
        raise ReportInputError(f"figures {figures!r}: choose one of {', '.join(FIGURE_TABLES)}")
    notes: dict[str, str] = {}
    with connect_read_only(warehouse) as con:
        tables = _tables(con)
        catalogue: list[Measure] = []
        if "marts.measure_catalogue" in tables:
            catalogue = read_catalogue(con)
        else:
            notes["catalogue"] = ("marts.measure_catalogue is not in this warehouse: the "
                                  "report cannot lay out its measures.")
        table = FIGURE_TABLES[figures]
        rows: list[Figure] = []
        if table in tables:
            rows = read_figures(con, table, la_code)
            if not rows:
                notes["figures"] = f"{table} has no rows for LA {la_code}."
        else:
            notes["figures"] = f"{table} is not in this warehouse."
        headline_labels = sorted({f.reporting_period for f in rows if f.breakdown_by is None})
        if period is None:
            chosen = latest_period(headline_labels)
            if chosen is None:
                raise ReportInputError(
                    f"{warehouse}: no reporting period has figures for LA {la_code} in "
                    f"{table}; pass --period to render an empty report")
        else:
            chosen = ReportingPeriod.parse(period)
            if rows and chosen.label not in headline_labels:
                raise ReportInputError(
                    f"{warehouse}: {table} has no figures for LA {la_code} in {chosen.label} "
                    f"(periods with figures: {', '.join(headline_labels)})")
        outcomes: list[tuple[str, str, int]] = []
        table1 = next((t for t in TABLE1_TABLES[figures] if t in tables), None)
        if table1:
            outcomes = read_contact_outcomes(con, table1, la_code, chosen.label)
            if not outcomes:
                notes["table1"] = f"{table1} has no rows for LA {la_code} in {chosen.label}."
        else:
            notes["table1"] = f"{TABLE1_TABLES[figures][0]} is not in this warehouse yet."
        restatements: list[Restatement] = []
        if set(FIGURE_TABLES.values()) <= tables:
            order = {m.measure_id: m.display_order for m in catalogue}
            restatements = sorted(
                read_restatements(con, la_code, {p.label for p in report_columns(chosen)}),
                key=lambda r: (order.get(r.measure_id, 10**6),
                               _sort_key((r.measure_id, r.reporting_period, r.breakdown_by,
                                          r.breakdown_value))))
        else:
            notes["restatements"] = ("Restatements need both marts.measure_values and "
                                     "marts.measure_values_as_reported.")
        benchmarks: list[Benchmark] = []
        if "marts.measure_benchmarks" in tables:
            benchmarks = read_benchmarks(con, la_code, chosen.label,
                                         {m.measure_id: m.display_order for m in catalogue})
            note = _benchmark_note(benchmarks, la_code, chosen.label)
            if note:
                notes["benchmarks"] = note
                benchmarks = []
        else:
            notes["benchmarks"] = "marts.measure_benchmarks is not in this warehouse."
        run = read_latest_run(con) if "meta.refresh_runs" in tables else None
        if run is None:
            notes["run"] = "No succeeded refresh is recorded in meta.refresh_runs."
        latest_extract = read_latest_extract(con, tables)
        team_names = read_team_names(con, la_code) if "marts.dim_teams" in tables else {}
        not_available: dict[str, str] = {}
        if "marts.measure_availability" in tables:
            not_available = read_not_available(con, la_code)
            sources = {r[0] for r in con.execute(
                "select distinct source_system from marts.measure_availability "
                "where la_code = ?", [la_code]).fetchall()}
            if sources == {"ssd"} and not outcomes:
                notes["table1"] = TABLE1_NOT_FROM_SSD
    return ReportData(
        warehouse=warehouse, la_code=la_code, figures_kind=figures, period=chosen,
        catalogue=catalogue,
        figures={(f.measure_id, f.reporting_period, f.breakdown_by, f.breakdown_value): f
                 for f in rows},
        contact_outcomes=outcomes, table1_source=table1, restatements=restatements, run=run,
        latest_extract=latest_extract, notes=notes, tables=tables, benchmarks=benchmarks,
        team_names=team_names, not_available=not_available)
