"""The same dbt models on DuckDB and on Apache Spark give the same measure values.

A reduced set of drops, so that the test fits the suite's time budget (docs/scaling.md):
one synthetic LA of about 1,000 contacts a year, three years of history (April 2011 to
March 2014) and the last two quarterly drops, with reference tables made the demo's way (child
population, Cafcass applications) so that every unit (count, percent, rate per 10,000) is
computed. A local Spark session's cost grows with the number of models and statements far
more than with rows, so what the test saves on is rows on DuckDB and statements on Spark:
only `measure_values` and the models upstream of it, without dbt's data tests (they run
on DuckDB in the everyday suite).

The drops are loaded once by the real loader; dbt builds the selection on DuckDB while the
raw layer goes to a local Spark session as Parquet (csc.spark, in a subprocess so the JVM
goes away with it) and dbt builds the same models there on the `spark` target;
`marts.measure_values` from both engines must match cell by cell.

Skipped, with the reason, where Java is missing. Where Java is present but the optional
`spark` dependency group is not installed, it is skipped too (`make venv-spark` installs
it), except in CI (`CI` set), where that is a failure: `.ci/run` installs both, so the
test cannot silently stop running there. The helpers that need no Spark (the Parquet
hand-off, the comparison, the profile, the macros on DuckDB) are tested here without it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import yaml

from csc.build import dbt_invoke, run_dbt_build
from csc.config import dbt_profiles_dir, dbt_project_dir
from csc.contract import load_contract
from csc.generate import generate
from csc.generate.reference import demo_reference, write_reference
from csc.linkage import link_caf_children
from csc.load import load_new_drops
from csc.spark import (
    SPARK_DIR_ENV,
    export_handoff,
    java_missing,
    spark_conf,
    spark_packages_missing,
)
from csc.workdb import prepare_work_db

# What both engines build: the measure values and everything upstream of them. Data
# tests run on DuckDB in the everyday suite; here only the models are compared.
SELECTION = ["--select", "+measure_values", "--exclude-resource-type", "test", "unit_test"]
KEY = ["la_code", "measure_id", "reporting_period", "breakdown_by", "breakdown_value"]

# A string with a quote and a backslash, which the two engines escape differently in a
# string literal (macro string_literal), and the demo pseudonym key that pseudonymous_id
# reads (dbt_project.yml; the checks run without CSC_PSEUDONYM_KEY).
AWKWARD_TEXT = "it's a \\ key"
DEMO_PSEUDONYM_KEY = re.search(r"env_var\('CSC_PSEUDONYM_KEY', '([^']+)'\)",
                               (dbt_project_dir() / "dbt_project.yml").read_text()).group(1)

# Each macro of macros/cross_db (and the pseudonymous id built on string_literal) on
# literal inputs, run on both engines by `dbt show`, with the answers both must give (as
# text: 23/2000 is 1.15 %, rounded half up to 1.2).
MACRO_CHECKS = """
select
    {{ integer_divide('7', '2') }} as seven_div_two,
    {{ rounded_ratio('23', '2000') }} as percent_23_of_2000,
    {{ rounded_ratio('1', '3') }} as percent_1_of_3,
    {{ rounded_ratio('5', '0') }} as percent_of_nothing,
    {{ rounded_ratio('7', '30000', per=10000) }} as rate_per_10k,
    {{ iso_weekday("cast('2013-06-30' as date)") }} as sunday,
    {{ iso_weekday("cast('2013-07-01' as date)") }} as monday,
    {{ string_literal("child's plan") }} as quoted,
    {{ string_literal("it's a \\\\ key") }} as awkward_literal,
    {{ pseudonymous_id("'808'", "'P000123'") }} as child_key,
    {{ whole_years_between("cast('2008-02-29' as date)", "cast('2012-02-28' as date)") }}
        as age_day_before,
    {{ whole_years_between("cast('2008-02-29' as date)", "cast('2012-02-29' as date)") }}
        as age_on_birthday,
    (select {{ bool_and('x > 0') }} from (select 1 as x union all select 2) as t) as all_true,
    (select {{ bool_and('x > 1') }} from (select 1 as x union all select 2) as t) as not_all,
    (select count(*) from ({{ dbt.date_spine('day', "cast('2012-02-27' as date)",
                                              "cast('2012-03-02' as date)") }}) as d)
        as days_27_feb_to_1_mar_2012,
    (select cast(max(date_day) as date) from ({{ dbt.date_spine('day',
        "cast('2012-02-27' as date)", "cast('2012-03-02' as date)") }}) as d) as last_day
"""
EXPECTED_CHECKS = {
    "seven_div_two": "3", "percent_23_of_2000": "1.2", "percent_1_of_3": "33.3",
    "percent_of_nothing": None, "rate_per_10k": "2.3", "sunday": "7", "monday": "1",
    "quoted": "child's plan", "awkward_literal": AWKWARD_TEXT,
    "child_key": hashlib.sha256(f"{DEMO_PSEUDONYM_KEY}|808|P000123".encode()).hexdigest(),
    "age_day_before": "3", "age_on_birthday": "4", "all_true": "True", "not_all": "False",
    "days_27_feb_to_1_mar_2012": "4", "last_day": "2012-03-01",
}

# The reduced set of drops (module docstring): LA, history, and how many drops are kept.
SMALL_LA = "808"
SMALL_FROM, SMALL_TO = dt.date(2011, 4, 1), dt.date(2014, 3, 31)
SMALL_CONTACTS_A_YEAR = 1000
SMALL_DROPS_KEPT = 2


@pytest.fixture(scope="module")
def small_landing(tmp_path_factory) -> Path:
    """The reduced set: one small synthetic LA's last two quarterly drops, each with the
    reference tables (made the demo's way) as known on its extract date."""
    landing = tmp_path_factory.mktemp("spark-landing")
    drops = generate(landing, [SMALL_LA], SMALL_FROM, SMALL_TO, drops="quarterly",
                     sizes=[SMALL_CONTACTS_A_YEAR]).drops
    for drop in drops[:-SMALL_DROPS_KEPT]:
        shutil.rmtree(drop)  # each drop is a full snapshot: the last ones hold everything
    contract = load_contract()
    reference = demo_reference(SMALL_LA, SMALL_TO.year, seed=2016)
    columns = {name: contract.table(name).column_names for name in reference}
    for drop in drops[-SMALL_DROPS_KEPT:]:
        write_reference(drop, reference, dt.date.fromisoformat(drop.name), columns)
    return landing


def _as_text(value: object) -> str | None:
    """A check value as text, whichever engine and route it came by."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return {"true": "True", "false": "False"}.get(text, text)


def _normalise(value: object) -> object:
    """One Python value per SQL value, whichever engine produced it: integers and exact
    decimals with no fraction as int, other numbers as float, timestamps at midnight as
    dates (Spark's date_spine works in timestamps)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and not math.isnan(value) and value.is_integer():
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time(0):
        return value.date()
    return value


def _rows(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[list[str], dict]:
    """Columns and rows of `relation`, rows keyed by KEY, values normalised."""
    cursor = con.execute(f"select * from {relation}")
    columns = [d[0] for d in cursor.description]
    keyed: dict[tuple, dict[str, object]] = {}
    for row in cursor.fetchall():
        record = {c: _normalise(v) for c, v in zip(columns, row, strict=True)}
        key = tuple(record[k] for k in KEY)
        assert key not in keyed, f"{relation}: two rows for {key}"
        keyed[key] = record
    return columns, keyed


# DuckDB's name for a column type (of a table, or of a Parquet column Spark wrote) -> its
# kind: the engines may choose different widths (INTEGER, BIGINT) but not different kinds.
TYPE_KINDS = (("DECIMAL", "decimal"), ("INT", "integer"), ("DOUBLE", "float"),
              ("FLOAT", "float"), ("VARCHAR", "text"), ("TIMESTAMP", "timestamp"),
              ("DATE", "date"), ("BOOLEAN", "boolean"))


def column_kinds(con: duckdb.DuckDBPyConnection, relation: str) -> dict[str, str]:
    """Each column of `relation` and the kind of its type (TYPE_KINDS)."""
    kinds = {}
    for name, type_name, *_ in con.execute(f"describe select * from {relation}").fetchall():
        kinds[name] = next((kind for part, kind in TYPE_KINDS if part in type_name), type_name)
    return kinds


def cell_differences(expected: tuple[list[str], dict], actual: tuple[list[str], dict],
                     limit: int = 20) -> list[str]:
    """Every difference between two keyed tables: columns, missing or extra rows, and each
    cell that differs (up to `limit` lines)."""
    (expected_columns, expected_rows), (actual_columns, actual_rows) = expected, actual
    problems = []
    if expected_columns != actual_columns:
        problems.append(f"columns differ: {expected_columns} != {actual_columns}")
    for key in sorted(expected_rows.keys() - actual_rows.keys(), key=str):
        problems.append(f"row {key} missing")
    for key in sorted(actual_rows.keys() - expected_rows.keys(), key=str):
        problems.append(f"row {key} extra")
    for key in sorted(expected_rows.keys() & actual_rows.keys(), key=str):
        for column in expected_columns:
            want = expected_rows[key].get(column)
            got = actual_rows[key].get(column)
            if want != got or type(want) is not type(got):
                problems.append(f"row {key} column {column}: {want!r} != {got!r}")
    return problems[:limit] + ([f"... {len(problems) - limit} more"]
                               if len(problems) > limit else [])


def test_cell_differences_finds_a_changed_cell_a_missing_row_and_a_type_change():
    columns = [*KEY, "value", "window_end"]
    base = {("808", "m", "2013-14 Q1", None, None): {
        "la_code": "808", "measure_id": "m", "reporting_period": "2013-14 Q1",
        "breakdown_by": None, "breakdown_value": None, "value": 12.5,
        "window_end": dt.date(2013, 6, 30)}}
    same = {k: dict(v) for k, v in base.items()}
    assert cell_differences((columns, base), (columns, same)) == []
    changed = {k: {**v, "value": 12.6} for k, v in base.items()}
    assert cell_differences((columns, base), (columns, changed)) == [
        "row ('808', 'm', '2013-14 Q1', None, None) column value: 12.5 != 12.6"]
    as_text = {k: {**v, "window_end": "2013-06-30"} for k, v in base.items()}
    assert "column window_end" in cell_differences((columns, base), (columns, as_text))[0]
    assert cell_differences((columns, base), (columns, {})) == [
        "row ('808', 'm', '2013-14 Q1', None, None) missing"]
    assert _normalise(Decimal("3.0")) == 3 and _normalise(12.0) == 12
    assert _normalise(dt.datetime(2013, 6, 30)) == dt.date(2013, 6, 30)


def test_handoff_writes_every_raw_table_and_the_manifest_to_parquet_with_its_types(
        small_landing: Path, tmp_path: Path):
    work_db = prepare_work_db(tmp_path / "csc.work.duckdb", parts=["load"])  # no linkage
    load_new_drops(small_landing, work_db)
    tables = export_handoff(work_db, tmp_path / "handoff")
    names = {t.qualified_name for t in tables}
    with duckdb.connect(str(work_db), read_only=True) as con:
        raw = {f"raw.{n}" for (n,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()}
        assert raw and raw | {"meta.loaded_drops", "meta.record_problems"} == names
        for table in tables:
            files = list(table.folder.glob("*.parquet"))
            assert len(files) == 1, table
            source = con.execute(f"describe {table.qualified_name}").fetchall()
            copied = con.execute(f"describe select * from read_parquet('{files[0]}')").fetchall()
            assert [c[:2] for c in copied] == [c[:2] for c in source], table.qualified_name
            assert con.execute(f"select count(*) from read_parquet('{files[0]}')").fetchone()[0] \
                == table.rows
    with pytest.raises(FileNotFoundError, match="does not exist"):
        export_handoff(tmp_path / "absent.duckdb", tmp_path / "handoff")


def test_spark_profile_has_the_settings_of_the_local_session(tmp_path: Path):
    profile = yaml.safe_load((dbt_profiles_dir() / "profiles.yml").read_text())["csc"]
    assert profile["target"] == "duckdb", "DuckDB stays the default target"
    spark = profile["outputs"]["spark"]
    assert (spark["type"], spark["method"]) == ("spark", "session")
    rendered = {
        key: str(value).replace(f"{{{{ env_var('{SPARK_DIR_ENV}', 'warehouse/spark') }}}}",
                                str(tmp_path.resolve()))
        for key, value in spark["server_side_parameters"].items()}
    assert rendered == spark_conf(tmp_path)


def _duckdb_checks(work_db: Path) -> dict[str, str | None]:
    """MACRO_CHECKS run by `dbt show` on DuckDB, values as text."""
    outcome = dbt_invoke(["show", "--inline", MACRO_CHECKS], work_db)
    assert outcome.success, outcome.exception
    table = outcome.result.results[0].agate_table
    return {name: _as_text(value)
            for name, value in zip(table.column_names, table.rows[0], strict=True)}


def test_cross_db_macros_give_the_expected_answers_on_duckdb(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("CSC_PSEUDONYM_KEY", raising=False)
    assert _duckdb_checks(tmp_path / "empty.duckdb") == EXPECTED_CHECKS


def _spark_or_skip() -> None:
    """Skip where Java is absent; where only the spark group is, skip (fail in CI)."""
    reason = java_missing()
    if reason:
        pytest.skip(f"cross-engine test needs Java for a local Spark session: {reason}")
    reason = spark_packages_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(f"cross-engine test cannot run in CI: {reason}; .ci/run installs it")
    if reason:
        pytest.skip(f"cross-engine test needs the optional spark group: {reason}")


@pytest.mark.spark
def test_measure_values_are_identical_on_duckdb_and_spark(
        small_landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    _spark_or_skip()
    monkeypatch.delenv("CSC_PSEUDONYM_KEY", raising=False)
    work_db = prepare_work_db(tmp_path / "csc.work.duckdb")
    load_new_drops(small_landing, work_db)
    links = link_caf_children(work_db)  # as the nightly flow does, so linked CAFs count
    assert links.links_by_method["raise_id"] and links.links_by_method["probabilistic"]
    spark_work_db = tmp_path / "spark-input.duckdb"  # Spark's copy: DuckDB builds meanwhile
    shutil.copyfile(work_db, spark_work_db)

    spark_dir = tmp_path / "spark"
    checks_file = tmp_path / "checks.sql"
    checks_file.write_text(MACRO_CHECKS)
    started, cpu_started = time.monotonic(), time.process_time()
    spark_run = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("spark_driver.py")), str(spark_work_db),
         str(spark_dir), str(checks_file), "--", "build", *SELECTION],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYSPARK_PYTHON": sys.executable},
        start_new_session=True)  # its own process group: the JVM goes with it on failure
    try:
        run_dbt_build(work_db, SELECTION)
        duckdb_seconds = time.monotonic() - started
        duckdb_cpu = time.process_time() - cpu_started
        duckdb_checks = _duckdb_checks(work_db)
        output, _ = spark_run.communicate(timeout=1200)
    finally:
        if spark_run.poll() is None:
            os.killpg(spark_run.pid, signal.SIGKILL)
            spark_run.communicate()
    spark_seconds = time.monotonic() - started
    assert spark_run.returncode == 0, (
        f"dbt on Spark failed (exit {spark_run.returncode}):\n{output[-8000:]}")

    with duckdb.connect(str(work_db), read_only=True) as con:
        expected = _rows(con, "marts.measure_values")
        exported = spark_dir / "out" / "marts.measure_values"
        actual = _rows(con, f"read_parquet('{exported}/*.parquet')")
        units = dict(con.execute("select unit, count(*) from marts.measure_values "
                                 "where value is not null group by unit").fetchall())
        kinds = (column_kinds(con, "marts.measure_values"),
                 column_kinds(con, f"read_parquet('{exported}/*.parquet')"))
    assert set(units) == {"count", "percent", "rate_per_10k"}, units
    assert kinds[0] == kinds[1], "column types differ in kind (DuckDB, Spark)"
    differences = cell_differences(expected, actual)
    assert not differences, "Spark's measure_values differ from DuckDB's:\n  " + "\n  ".join(
        differences)
    assert duckdb_checks == EXPECTED_CHECKS
    spark_checks = json.loads((spark_dir / "out" / "checks.json").read_text())
    assert {k: _as_text(v) for k, v in spark_checks.items()} == EXPECTED_CHECKS
    steps = json.loads((spark_dir / "out" / "timings.json").read_text())
    print(f"\nmeasure_values: {len(expected[1])} rows identical ({units}); dbt on DuckDB "
          f"{duckdb_seconds:.0f} s ({duckdb_cpu:.0f} s cpu); Spark subprocess "
          f"{spark_seconds:.0f} s, its steps (s from its start, and cpu): {steps}")
