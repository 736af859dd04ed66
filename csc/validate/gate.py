"""The Great Expectations gate between `dbt build` and publish.

GX's SQL datasource over DuckDB fails in the pinned versions (toolchain notes), so every
query runs in DuckDB and GX validates the results as pandas DataFrames. To run all suites
as ONE checkpoint (one GX context, one Data Docs update), each result is written by DuckDB
to a Parquet file under `<gx_root>/gx/uncommitted/batches/`, one pandas-filesystem asset
per file, and the checkpoint holds one validation definition per file:

- `<suite>.<batch>`: a query result with the suite's declared GX expectations;
- `<suite>.rules`: the violating rows of every rule of the suite (rule, example), with one
  `expect_table_row_count_to_equal(0)` per rule restricted to that rule's rows.

A rule that cannot run (e.g. a missing mart table) counts as violated, with the database
error as its example row. Warning-severity expectations (drift) are reported, never fail
the gate. Data Docs are rebuilt by the checkpoint on every run.

A night checks what moved (csc.validate.scope): a check that passed last time and reads
only unchanged tables is carried, the raw contract's rules run on the new drops' versions
when the older versions are proved unchanged, everything else runs whole.

The checkpoint runs in a worker process (csc.validate.worker; one per Python process,
started on first use and kept): importing GX costs several CPU seconds, and a refresh
starts the worker when its dbt build starts (start_worker), so that the import runs beside
the build on the other core instead of on the validate step's wall time. (In a thread it
shared Python's lock with dbt and only moved the cost, docs/performance.md.) What crosses
the process boundary is plain data: the expectations' specs and rules out, each result's
JSON form back.
"""

from __future__ import annotations

import logging
import os
import resource
import shutil
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from csc.config import PROJECT_DIR, set_offline_env
from csc.validate import scope as scoping
from csc.validate.result import SuiteResult, ValidationResult
from csc.validate.suites import Batch, Relaxations, Rule, Suite, load_suites
from csc.validate.worker import Worker

log = logging.getLogger(__name__)

DATASOURCE = "csc_validation_batches"
CHECKPOINT = "csc_refresh"
EXPECTATIONS_DIR = PROJECT_DIR / "expectations"
# Another folder of suite files (default expectations/suites): for a council's own extra
# rules, and for tests that run the real flow with a suite that must fail.
SUITES_ENV = "CSC_EXPECTATION_SUITES"
# Violating rows kept per rule for GX and Data Docs (the count in messages is exact).
MAX_ROWS_PER_RULE = 1000
SAMPLES_IN_MESSAGE = 3


@dataclass
class RuleOutcome:
    rule: Rule
    violations: int
    examples: list[str]
    skipped: str | None = None  # why the rule did not run (a tolerated missing table)
    how: str = "run"  # run (whole) | scoped (new drops' versions) | carried (not run)


def _format_row(columns: list[str], row: tuple) -> str:
    return ", ".join(f"{c}={v}" for c, v in zip(columns, row, strict=True))


def _missing_table(error: duckdb.Error, relaxations: Relaxations) -> str | None:
    """The tolerated table this error is about, if it says that table does not exist."""
    message = str(error)
    if "does not exist" not in message:
        return None
    for table in relaxations.allow_missing_tables:
        if f"name {table.split('.')[-1]} does not exist" in message:
            return table
    return None


def run_rule(con: duckdb.DuckDBPyConnection, rule: Rule, relaxations: Relaxations
             ) -> RuleOutcome:
    """Run one violation query in DuckDB: the number of violating rows and examples."""
    sql = (f"select *, count(*) over () as _violations from ({rule.query}) as v "
           f"limit {MAX_ROWS_PER_RULE}")
    try:
        cursor = con.execute(sql)
        rows = cursor.fetchall()
        columns = [d[0] for d in cursor.description][:-1]
    except duckdb.Error as exc:
        missing = _missing_table(exc, relaxations)
        if missing:
            return RuleOutcome(rule, 0, [], skipped=f"{missing} does not exist yet")
        first_line = str(exc).splitlines()[0]
        return RuleOutcome(rule, 1, [f"the rule's query failed: {first_line}"])
    violations = rows[0][-1] if rows else 0
    return RuleOutcome(rule, violations, [_format_row(columns, r[:-1]) for r in rows])


def _write_batch(con: duckdb.DuckDBPyConnection, batch: Batch, path: Path) -> None:
    target = str(path).replace("'", "''")
    con.execute(f"copy ({batch.query}) to '{target}' (format parquet)")


def _gx_expectation(spec: dict[str, Any], **extra: Any):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in spec["type"].split("_"))
    cls = getattr(gxe, class_name, None)
    if cls is None:
        raise ValueError(f"unknown GX expectation type {spec['type']!r}")
    return cls(**spec.get("kwargs", {}), **extra)


def _rule_expectation(rule: Rule):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column

    return gxe.ExpectTableRowCountToEqual(
        value=0, row_condition=Column("rule") == rule.name, severity=rule.severity,
        meta={"rule": rule.name, "notes": {"format": "markdown", "content": [
            f"**{rule.name}**: {rule.description}"]}})


class _Checkpoint:
    """The GX file project under `<gx_root>/gx/`, refreshed with this run's suites."""

    def __init__(self, gx_root: Path, batches_dir: Path):
        import great_expectations as gx

        self.gx = gx
        self.context = gx.get_context(mode="file", project_root_dir=str(gx_root))
        self.context.variables.progress_bars = {"globally": False}
        # The checkpoint goes first: once its datasource is replaced (below, when the
        # warehouse folder has moved) GX can no longer delete it.
        try:
            self.context.checkpoints.delete(CHECKPOINT)
        except Exception:  # noqa: BLE001 - absent on the first run
            pass
        try:
            source = self.context.data_sources.get(DATASOURCE)
            if Path(str(source.base_directory)) != batches_dir:
                self.context.data_sources.delete(DATASOURCE)
                raise KeyError(DATASOURCE)
        except (KeyError, ValueError):
            source = self.context.data_sources.add_pandas_filesystem(
                DATASOURCE, base_directory=batches_dir)
        self.source = source
        self.definitions: list = []

    def add(self, name: str, file_name: str, expectations: list) -> None:
        gx = self.gx
        try:
            asset = self.source.get_asset(name)
        except LookupError:
            asset = self.source.add_parquet_asset(name)
        try:
            batch_definition = asset.get_batch_definition(name)
        except KeyError:
            batch_definition = asset.add_batch_definition_path(name, path=file_name)
        for store in (self.context.validation_definitions, self.context.suites):
            try:
                store.delete(name)
            except Exception:  # noqa: BLE001 - absent on the first run
                pass
        # Built whole: ExpectationSuite.add_expectation is quadratic in the suite size.
        suite = self.context.suites.add(gx.ExpectationSuite(name=name,
                                                            expectations=expectations))
        self.definitions.append(self.context.validation_definitions.add(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)))

    def run(self):
        gx = self.gx
        from great_expectations.data_context.types.resource_identifiers import (
            ExpectationSuiteIdentifier,
        )

        # No UpdateDataDocsAction: it rebuilds the whole site once per validation definition.
        # One incremental build after the run renders this run's results and suites.
        checkpoint = self.context.checkpoints.add(gx.Checkpoint(
            name=CHECKPOINT, validation_definitions=self.definitions, actions=[],
            result_format={"result_format": "SUMMARY"}))
        started = time.monotonic()
        run = checkpoint.run()
        validated = time.monotonic()
        self.context.build_data_docs(resource_identifiers=[
            *run.run_results.keys(),
            *(ExpectationSuiteIdentifier(name=d.suite.name) for d in self.definitions)])
        return run, (validated - started, time.monotonic() - validated)

    def data_docs(self) -> Path | None:
        for site in self.context.get_docs_sites_urls():
            if site.get("site_url"):
                return Path(site["site_url"].removeprefix("file://"))
        return None


def _run_checkpoint(gx_root: str, batches_dir: str, validations: list[tuple[str, str, list]]
                    ) -> tuple[dict[str, list[dict[str, Any]]], str | None, tuple[float, ...]]:
    """In the worker: one checkpoint over `validations` (a batch's expectation specs, or a
    suite's rules). Returns each validation's expectation results in their JSON form, the
    Data Docs index, and the seconds of setup, checkpoint and Data Docs and the worker's
    peak memory (MiB), for the log."""
    started = time.monotonic()
    checkpoint = _Checkpoint(Path(gx_root), Path(batches_dir))
    for name, file_name, items in validations:
        checkpoint.add(name, file_name, [_rule_expectation(i) if isinstance(i, Rule)
                                         else _gx_expectation(i) for i in items])
    set_up = time.monotonic()
    run, seconds = checkpoint.run()
    results = {vr.suite_name: [r.to_json_dict() for r in vr.results]
               for vr in run.run_results.values()}
    data_docs = checkpoint.data_docs()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results, str(data_docs) if data_docs else None, (set_up - started, *seconds,
                                                               peak_mib)


_worker: Worker | None = None


def start_worker() -> Worker:
    """The GX worker process (csc.validate.worker), started if it is not running: its GX
    import runs from now on, beside whatever this process does next."""
    global _worker
    if _worker is None or not _worker.alive():
        _worker = Worker()
    return _worker


def _in_worker(fn, *args):
    """fn(*args) in the GX worker; a worker that died fails this call, and the next call
    starts a new one."""
    return start_worker().call(fn, *args)


def _describe_gx_failure(name: str, r: dict[str, Any]) -> tuple[str, str]:
    """(the check: batch, expectation type and kwargs; the message with what was found),
    from an expectation result's JSON form."""
    cfg = r["expectation_config"]
    kwargs = {k: v for k, v in cfg["kwargs"].items() if k != "batch_id"}
    result = r.get("result") or {}
    raised = r.get("exception_info") or {}
    if raised.get("raised_exception"):
        detail = f" raised: {raised.get('exception_message')}"
    elif "unexpected_count" in result:
        sample = result.get("partial_unexpected_list") or []
        detail = f": {result['unexpected_count']} unexpected, e.g. {sample[:5]}"
    else:
        detail = f": observed {result.get('observed_value')}"
    check = f"{name}: {cfg['type']} {kwargs}"
    return check, check + detail


def _describe_rule(outcome: RuleOutcome) -> str:
    examples = "; ".join(outcome.examples[:SAMPLES_IN_MESSAGE])
    return (f"{outcome.rule.name}: {outcome.violations} violating row(s) "
            f"({outcome.rule.description}) e.g. {examples}")


def validate_build(work_db: Path, gx_root: Path, suites_dir: Path | None = None,
                   strict: bool = False, scoped: bool = True) -> ValidationResult:
    """Run every suite in `suites_dir` against the freshly built work database as one GX
    checkpoint in the GX file project under `gx_root` (GX keeps it in `<gx_root>/gx/`).

    `strict=True` ignores expectations/transitional.yml (the temporary relaxations).
    `scoped=False` runs every check whole, carrying nothing (csc.validate.scope)."""
    set_offline_env()
    suites_dir = suites_dir or Path(os.environ.get(SUITES_ENV, EXPECTATIONS_DIR / "suites"))
    relaxations = (Relaxations.strict() if strict
                   else Relaxations.load(EXPECTATIONS_DIR / "transitional.yml"))
    batches_dir = (gx_root / "gx" / "uncommitted" / "batches").resolve()
    shutil.rmtree(batches_dir, ignore_errors=True)
    batches_dir.mkdir(parents=True)

    notes: list[str] = []
    if relaxations.active:
        notes.append("temporary relaxations in force (expectations/transitional.yml): "
                     f"missing tables allowed {sorted(relaxations.allow_missing_tables)}, "
                     f"measures with no rows tolerated={relaxations.tolerate_absent_measures}")
    with duckdb.connect(str(work_db), read_only=True) as con:
        try:
            measure_ids = sorted(r[0] for r in con.execute(
                "select measure_id from marts.measure_catalogue").fetchall())
        except duckdb.Error:
            measure_ids = []  # the marts rules then fail on the missing catalogue
        scope = scoping.open_scope(con, gx_root)
        if not scoped:
            scope.record = {}
        suites = load_suites(suites_dir, {"measure_ids": measure_ids}, relaxations,
                             scope=scope.variables)
        started = time.monotonic()
        plan = _prepare(con, suites, batches_dir, relaxations, scope)
    prepared = time.monotonic()
    run, data_docs = None, scope.record.get("data_docs")
    if plan.validations:
        log.info("validation queries %.1fs", prepared - started)
        run, data_docs, seconds = _in_worker(_run_checkpoint, str(gx_root.resolve()),
                                             str(batches_dir), plan.validations)
        log.info("GX in its worker: setup %.1fs, checkpoint %.1fs, Data Docs %.1fs "
                 "(%.1fs from the request), worker peak memory %.0f MiB", *seconds[:3],
                 time.monotonic() - prepared, seconds[3])
    data_docs = Path(data_docs) if data_docs else None

    results = _interpret(suites, plan, run)
    for s in results:
        log.info("validation suite %s: %d expectations, %d failed, %d warnings", s.suite,
                 s.evaluated, len(s.failed), len(s.warnings))
        for w in s.warnings:
            log.warning("validation warning: %s: %s", s.suite, w)
    success = all(s.success for s in results)
    if success:
        passed = {key: plan.prints[key] for key in plan.prints
                  if key not in plan.not_passed or key in plan.warned}
        with duckdb.connect(str(work_db), read_only=True) as con:
            scoping.write_record(con, scope, gx_root, passed, data_docs, plan.warned)
    log.info("validation: %d check(s) carried from the last passed validation, %d on the "
             "new drops only", len(scope.carried), len(scope.scoped))
    return ValidationResult(success=success, suites=results, data_docs=data_docs,
                            notes=notes, carried=dict(scope.carried),
                            scoped=dict(scope.scoped))


@dataclass
class _Plan:
    # (GX name, parquet file, expectations: a batch's specs or a suite's rules)
    validations: list[tuple[str, str, list]]
    rule_outcomes: dict[str, RuleOutcome]
    batch_problems: dict[str, tuple[str, str]]  # GX batch name -> (severity, message)
    carried_batches: set[str] = field(default_factory=set)
    # check -> (its print, its whole query): what a passed validation records
    prints: dict[str, tuple[str, str]] = field(default_factory=dict)
    not_passed: set[str] = field(default_factory=set)  # checks that failed or warned
    # warning rules that warned -> what they found (recorded, so that they can be carried)
    warned: dict[str, dict[str, Any]] = field(default_factory=dict)


def _prepare(con: duckdb.DuckDBPyConnection, suites: list[Suite], batches_dir: Path,
             relaxations: Relaxations, scope: scoping.Scope) -> _Plan:
    """Run every query in DuckDB and write the GX batches (or carry a check, or run its
    scoped form: csc.validate.scope)."""
    import json

    plan = _Plan([], {}, {})
    relaxed = repr(relaxations)
    for suite in suites:
        for batch in suite.batches:
            name = f"{suite.name}.{batch.name}"
            plan.prints[name] = (scoping.fingerprint(
                batch.query, json.dumps(batch.expectations, sort_keys=True, default=str),
                relaxed), batch.query)
            if scoping.decide(con, scope, name, plan.prints[name][0], batch.query,
                              can_scope=False) == "carried":
                plan.carried_batches.add(name)
                continue
            try:
                _write_batch(con, batch, batches_dir / f"{name}.parquet")
            except duckdb.Error as exc:
                missing = _missing_table(exc, relaxations)
                severity = "warning" if missing else "critical"
                plan.batch_problems[name] = (severity, f"{name}: query failed, "
                                             f"{len(batch.expectations)} expectations not "
                                             f"run: {str(exc).splitlines()[0]}")
                plan.not_passed.add(name)
                continue
            plan.validations.append((name, f"{name}.parquet", list(batch.expectations)))
        if suite.rules:
            frame_rows = []
            for rule in suite.rules:
                key = f"{suite.name}/{rule.name}"
                plan.prints[key] = (scoping.fingerprint(rule.query, rule.severity, relaxed),
                                    rule.query)
                how = scoping.decide(con, scope, key, plan.prints[key][0], rule.query,
                                     can_scope=rule.scoped_query is not None)
                if how == "carried":
                    found = scoping.recorded_warning(scope, key) or {}
                    outcome = RuleOutcome(rule, found.get("violations", 0),
                                          found.get("examples", []), how=how)
                else:
                    ran = replace(rule, query=rule.scoped_query) if how == "scoped" else rule
                    outcome = replace(run_rule(con, ran, relaxations), rule=rule, how=how)
                if outcome.violations or outcome.skipped:
                    plan.not_passed.add(key)
                if outcome.violations and not outcome.skipped and rule.severity == "warning":
                    plan.warned[key] = {"violations": int(outcome.violations),
                                        "examples": outcome.examples}
                plan.rule_outcomes[key] = outcome
                frame_rows += [(rule.name, example) for example in outcome.examples]
            expectations = [r for r in suite.rules
                            if plan.rule_outcomes[f"{suite.name}/{r.name}"].how != "carried"
                            and not plan.rule_outcomes[f"{suite.name}/{r.name}"].skipped]
            if expectations:
                name = f"{suite.name}.rules"
                frame = pd.DataFrame(frame_rows, columns=["rule", "example"], dtype="string")
                frame.to_parquet(batches_dir / f"{name}.parquet", index=False)
                plan.validations.append((name, f"{name}.parquet", expectations))
    return plan


def _interpret(suites: list[Suite], plan: _Plan, run) -> list[SuiteResult]:
    """Readable per-suite results from the checkpoint run (which rule, where, sample rows).
    A carried check counts as evaluated and passed (it passed on the same tables)."""
    by_name = run or {}
    results = []
    for suite in suites:
        outcome = SuiteResult(suite=suite.name, evaluated=0)
        for batch in suite.batches:
            name = f"{suite.name}.{batch.name}"
            if name in plan.carried_batches:
                outcome.evaluated += len(batch.expectations)
                continue
            if name in plan.batch_problems:
                severity, message = plan.batch_problems[name]
                (outcome.failed if severity == "critical" else outcome.warnings).append(message)
                outcome.evaluated += 0 if severity == "warning" else 1
                continue
            for r in by_name[name]:
                outcome.evaluated += 1
                if not r["success"]:
                    plan.not_passed.add(name)
                    check, message = _describe_gx_failure(name, r)
                    outcome.failed.append(message)
                    outcome.examples[check] = [message]
        if suite.rules:
            for key, o in plan.rule_outcomes.items():
                if key.startswith(f"{suite.name}/") and o.how == "carried":
                    outcome.evaluated += 1
                    if o.violations:  # a warning carried with the tables it read
                        outcome.warnings.append(_describe_rule(o))
                        outcome.examples[o.rule.name] = o.examples
            rules_run = by_name.get(f"{suite.name}.rules")
            for r in rules_run or []:
                outcome.evaluated += 1
                rule_name = r["expectation_config"]["meta"]["rule"]
                rule_outcome = plan.rule_outcomes[f"{suite.name}/{rule_name}"]
                if not r["success"]:
                    target = (outcome.warnings if rule_outcome.rule.severity == "warning"
                              else outcome.failed)
                    target.append(_describe_rule(rule_outcome))
                    outcome.examples[rule_outcome.rule.name] = rule_outcome.examples
            outcome.warnings += [f"{o.rule.name}: skipped, {o.skipped}"
                                 for key, o in plan.rule_outcomes.items()
                                 if key.startswith(f"{suite.name}/") and o.skipped]
        results.append(outcome)
    return results
