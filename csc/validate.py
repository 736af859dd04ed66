"""The Great Expectations gate between `dbt build` and publish.

GX's SQL datasource over DuckDB fails in the pinned versions (toolchain notes), so each
suite validates a DuckDB query result as a pandas DataFrame through a real GX checkpoint.
Suites are built in code from the measure catalogue and saved in the GX file project under
`expectations/gx/`; Data Docs are rebuilt on every run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from csc.config import PROJECT_DIR, set_offline_env

log = logging.getLogger(__name__)

DATASOURCE = "csc_marts"


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failed: list[str] = field(default_factory=list)


@dataclass
class ValidationResult:
    success: bool
    suites: list[SuiteResult]
    data_docs: Path | None

    @property
    def failures(self) -> list[str]:
        return [f"{s.suite}: {f}" for s in self.suites for f in s.failed]

    def summary(self) -> str:
        parts = [f"{s.suite} {s.evaluated - len(s.failed)}/{s.evaluated}" for s in self.suites]
        return ("passed" if self.success else "FAILED") + " (" + ", ".join(parts) + ")"


def load_suites(suites_dir: Path) -> list[dict]:
    """The suite definitions kept in expectations/suites/*.yml, in name order."""
    return [yaml.safe_load(p.read_text(encoding="utf-8"))
            for p in sorted(suites_dir.glob("*.yml"))]


def _fill_placeholders(value, placeholders: dict):
    if isinstance(value, str) and value.startswith("$") and value[1:] in placeholders:
        return placeholders[value[1:]]
    if isinstance(value, dict):
        return {k: _fill_placeholders(v, placeholders) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(v, placeholders) for v in value]
    return value


def build_expectations(definition: dict, placeholders: dict) -> list:
    """GX expectation objects from one suite definition."""
    import great_expectations.expectations as gxe

    expectations = []
    for item in definition["expectations"]:
        class_name = "".join(part.capitalize() for part in item["type"].split("_"))
        cls = getattr(gxe, class_name, None)
        if cls is None:
            raise ValueError(f"suite {definition['suite']}: unknown expectation {item['type']}")
        expectations.append(cls(**_fill_placeholders(item.get("kwargs", {}), placeholders)))
    return expectations


def _run_suite(context, name: str, frame: pd.DataFrame, expectations: list) -> SuiteResult:
    import great_expectations as gx

    try:
        source = context.data_sources.get(DATASOURCE)
    except (KeyError, ValueError):
        source = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = source.get_asset(name)
    except LookupError:
        asset = source.add_dataframe_asset(name)
    try:
        batch_def = asset.get_batch_definition(name)
    except KeyError:
        batch_def = asset.add_batch_definition_whole_dataframe(name)

    suite = gx.ExpectationSuite(name=name)
    for expectation in expectations:
        suite.add_expectation(expectation)
    suite = context.suites.add_or_update(suite)

    definition = gx.ValidationDefinition(name=name, data=batch_def, suite=suite)
    definition = context.validation_definitions.add_or_update(definition)
    checkpoint = gx.Checkpoint(
        name=f"{name}_checkpoint",
        validation_definitions=[definition],
        actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
        result_format={"result_format": "SUMMARY"},
    )
    checkpoint = context.checkpoints.add_or_update(checkpoint)
    result = checkpoint.run(batch_parameters={"dataframe": frame})

    failed: list[str] = []
    evaluated = 0
    for run_result in result.run_results.values():
        for r in run_result.results:
            evaluated += 1
            if not r.success:
                cfg = r.expectation_config
                kwargs = {k: v for k, v in cfg.kwargs.items() if k not in ("batch_id",)}
                detail = r.result.get("partial_unexpected_list") if r.result else None
                sample = f" unexpected: {detail[:5]}" if detail else ""
                failed.append(f"{cfg.type} {kwargs}{sample}")
    return SuiteResult(suite=name, success=result.success, evaluated=evaluated, failed=failed)


def validate_build(work_db: Path, gx_root: Path, suites_dir: Path | None = None
                   ) -> ValidationResult:
    """Run every suite in `suites_dir` against the freshly built work database as GX
    checkpoints in the GX file project under `gx_root` (GX creates `<gx_root>/gx/`)."""
    set_offline_env()
    import great_expectations as gx

    suites_dir = suites_dir or PROJECT_DIR / "expectations" / "suites"
    gx_root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    context.variables.progress_bars = {"globally": False}
    results = []
    with duckdb.connect(str(work_db), read_only=True) as con:
        placeholders = {
            "measure_ids": sorted(r[0] for r in con.execute(
                "select measure_id from marts.measure_catalogue").fetchall()),
        }
        frames = {d["suite"]: (d, con.execute(d["query"]).df()) for d in load_suites(suites_dir)}
    for name, (definition, frame) in frames.items():
        results.append(_run_suite(context, name, frame,
                                  build_expectations(definition, placeholders)))

    docs_sites = context.get_docs_sites_urls()
    docs = None
    if docs_sites and docs_sites[0].get("site_url"):
        docs = Path(docs_sites[0]["site_url"].removeprefix("file://"))
    for s in results:
        log.info("validation suite %s: %s", s.suite, "passed" if s.success else "FAILED")
    return ValidationResult(success=all(s.success for s in results), suites=results,
                            data_docs=docs)
