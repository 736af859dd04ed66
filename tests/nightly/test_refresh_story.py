"""A night in the life of the warehouse, with real processes.

One story (a module fixture, to keep the suite fast) runs `csc refresh` as a subprocess
against a real Prefect server, with the failure tests' faults installed (faults.py):

1. the first demo drop is published (a private copy of the session's `first_drop_published`,
   made by the real flow: the story starts where a first night left the warehouse);
2. two new drops arrive; the refresh is SIGKILLed at each step that leaves a different
   state behind, in turn, each time from a fresh process:
   - mid-load: one new drop committed to the work database, the other not;
   - mid-build: the drops loaded and linked, dbt stopped after a few nodes;
   - mid-publish: built and validated, the next published file half written beside the
     published one. (A kill after validation, before publishing starts, leaves the same
     work database and run log with no half-written file: this state and its recovery
     include that one, so the story no longer spends a full build on it);
3. a reader (DuckDB 1.1.3, as a BI driver bundles) holds the published file open while
   the next refresh runs to the end (its publish meets one transient OSError and retries).

The tests then check what each stage left behind.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from csc.config import warehouse_paths
from csc.load import load_new_drops
from csc.workdb import prepare_work_db

pytestmark = pytest.mark.e2e

KILL_STEPS = ["load", "build", "mid-publish"]
DROPS = 3  # the first is published first; the other two arrive for the killed refreshes

READER = """
import json, os, sys, time
import duckdb
path, stop = sys.argv[1], sys.argv[2]
SQL = ("select count(*), count(distinct reporting_period), sum(numerator)::double "
       "from marts.measure_values")
def say(event, **kw):
    print(json.dumps({"event": event, "t": time.time(), **kw}), flush=True)
con = duckdb.connect(path, read_only=True)
say("open", version=duckdb.__version__)
while not os.path.exists(stop):
    try:
        say("held", figures=list(con.execute(SQL).fetchone()))
    except Exception as exc:
        say("error", error=str(exc))
    time.sleep(0.25)
con.close()
con = duckdb.connect(path, read_only=True)
say("reconnected", figures=list(con.execute(SQL).fetchone()))
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def figures(path: Path) -> tuple:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select count(*), count(distinct reporting_period), sum(numerator)::double "
            "from marts.measure_values").fetchone()


def raw_history(work_db: Path) -> dict[str, tuple]:
    """Per raw table: versions, current versions, distinct (key, valid_from) pairs."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' order by 1"
        ).fetchall()]
        return {t: con.execute(
            f"""select count(*), count(*) filter (where _valid_to is null),
                       count(distinct (_record_key, _valid_from)) from raw."{t}" """
        ).fetchone() for t in tables}


@dataclass
class Run:
    result: subprocess.CompletedProcess | None  # None: the shared first night, not run here
    seconds: float
    checksum_after: str
    figures_after: tuple


@dataclass
class Story:
    warehouse: Path
    landing: Path
    first: Run
    kills: dict[str, Run] = field(default_factory=dict)
    final: Run | None = None
    reader: list[dict] = field(default_factory=list)
    final_window: tuple[float, float] = (0.0, 0.0)


def _refresh(run_csc, landing: Path, warehouse: Path, env: dict[str, str]) -> Run:
    started = time.monotonic()
    result = run_csc(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)],
                     env=env, timeout=900)
    seconds = time.monotonic() - started
    print(f"csc refresh ({env.get('CSC_FAULT_KILL_AT', 'no kill')}): exit "
          f"{result.returncode} in {seconds:.1f} s")
    return Run(result, seconds, sha256(warehouse), figures(warehouse))


@pytest.fixture(scope="module")
def story(prefect_server, faulty_csc_cli, demo_landing, first_drop_published,
          duckdb_1_1_python, tmp_path_factory) -> Story:
    root = tmp_path_factory.mktemp("night")
    night = first_drop_published.copy_to(root)
    landing, warehouse = night.root / "landing", night.published
    drops = sorted(p.name for p in demo_landing.iterdir() if p.is_dir())[:DROPS]
    assert sorted(p.name for p in landing.iterdir()) == drops[:1]
    first = Run(None, 0.0, sha256(warehouse), figures(warehouse))
    story = Story(warehouse=warehouse, landing=landing, first=first)

    for extract_date in drops[1:]:
        shutil.copytree(demo_landing / extract_date, landing / extract_date)
    for step in KILL_STEPS:
        story.kills[step] = _refresh(faulty_csc_cli, landing, warehouse,
                                     prefect_server.env(CSC_FAULT_KILL_AT=step))

    stop = root / "stop-reading"
    reader = subprocess.Popen([str(duckdb_1_1_python), "-c", READER, str(warehouse), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        opened = json.loads(reader.stdout.readline())
        assert opened["event"] == "open", opened
        t0 = time.time()
        story.final = _refresh(faulty_csc_cli, landing, warehouse,
                               prefect_server.env(CSC_FAULT_TRANSIENT_AT="publish"))
        story.final_window = (t0, time.time())
        time.sleep(1)  # a few more answers from the old file after the swap
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    story.reader = [opened, *(json.loads(line) for line in out.splitlines() if line)]
    assert reader.returncode == 0, err
    return story


def test_a_refresh_killed_at_each_step_leaves_the_published_file_unchanged(story):
    for step, run in story.kills.items():
        assert run.result.returncode == -9, (step, run.result.stdout, run.result.stderr)
        assert run.checksum_after == story.first.checksum_after, step
        assert run.figures_after == story.first.figures_after, step  # and it still opens
    # Each killed process got as far as the step it was killed in.
    assert "✓ load new drops" not in story.kills["load"].result.stdout
    assert "✓ load new drops" in story.kills["build"].result.stdout
    assert "✓ dbt build" not in story.kills["build"].result.stdout
    assert "✓ dbt build" in story.kills["mid-publish"].result.stdout
    assert "✓ validate" in story.kills["mid-publish"].result.stdout
    assert "✓ publish" not in story.kills["mid-publish"].result.stdout


def test_the_next_refresh_succeeds_without_duplicating_history(story, tmp_path):
    final = story.final
    assert final.result.returncode == 0, final.result.stdout + final.result.stderr
    assert final.checksum_after != story.first.checksum_after
    assert final.figures_after[1] > story.first.figures_after[1]  # more periods published
    clean_work = tmp_path / "clean.work.duckdb"
    load_new_drops(story.landing, prepare_work_db(clean_work))
    work = warehouse_paths(story.warehouse).work
    assert raw_history(work) == raw_history(clean_work)
    with duckdb.connect(str(work), read_only=True) as con:
        assert con.execute("select count(*), count(distinct extract_date) "
                           "from meta.loaded_drops").fetchone() == (DROPS, DROPS)


def test_killed_runs_are_marked_abandoned_by_the_next_run(story):
    work = warehouse_paths(story.warehouse).work
    with duckdb.connect(str(work), read_only=True) as con:
        statuses = [r[0] for r in con.execute(
            "select status from meta.refresh_runs order by started_at").fetchall()]
    assert statuses == ["succeeded", *["abandoned"] * len(KILL_STEPS), "succeeded"]
    with duckdb.connect(str(story.warehouse), read_only=True) as con:
        published = con.execute(
            """select status, drops_loaded, measures_published, step_attempts
               from meta.refresh_runs order by started_at""").fetchall()
    # The published copy was written by the last run before its reports: `published`.
    assert [r[0] for r in published] == [*statuses[:-1], "published"]
    assert "Earlier run:" in story.final.result.stdout
    assert story.final.result.stdout.count("marked abandoned") == 1  # the last killed run
    status, drops, measures, attempts = published[-1]
    assert measures >= 1
    assert json.loads(attempts)["publish"] == 2  # the transient OSError was retried


def test_refresh_shows_progress_and_a_summary(story):
    out = story.final.result.stdout
    for line in ["▶ load new drops", "✓ load new drops", "✓ dbt build", "✓ validate",
                 "↻ publish: retrying (attempt 2)", "✓ publish", "succeeded.",
                 "Drops loaded:", "Validation:", "Published:", "Data Docs:", "Report:",
                 "Log:", "Time:"]:
        assert line in out, line
    log_file = Path(out.split("Log:")[1].split()[0])
    assert "publish finished" in log_file.read_text()


def test_a_reader_holding_the_file_open_keeps_answering_and_then_sees_the_new_figures(story):
    assert story.reader[0]["version"] == "1.1.3"
    start, end = story.final_window
    during = [e for e in story.reader if e["event"] == "held" and start <= e["t"] <= end]
    errors = [e for e in story.reader if e["event"] == "error"]
    assert not errors
    assert len(during) >= 10
    old = list(story.first.figures_after)
    assert all(e["figures"] == old for e in story.reader if e["event"] == "held")
    reconnected = story.reader[-1]
    assert reconnected["event"] == "reconnected"
    assert reconnected["figures"] == list(story.final.figures_after) != old


def test_the_published_file_opens_in_duckdb_1_1(story, duckdb_1_1_python):
    query = ("import duckdb, sys\ncon = duckdb.connect(sys.argv[1], read_only=True)\n"
             "print(duckdb.__version__, con.execute('select count(*) from "
             "marts.measure_values').fetchone()[0])")
    out = subprocess.run([str(duckdb_1_1_python), "-c", query, str(story.warehouse)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1.1.3", str(story.final.figures_after[0])]


def test_the_published_file_opens_through_sqlalchemy_read_only(story):
    from sqlalchemy import create_engine, text

    engine = create_engine(f"duckdb:///{story.warehouse}", connect_args={"read_only": True})
    try:
        with engine.connect() as con:
            rows = con.execute(text("select measure_id, reporting_period, value "
                                    "from marts.measure_values")).fetchall()
            assert len(rows) == story.final.figures_after[0]
            catalogue = con.execute(text("select count(*) from marts.measure_catalogue"))
            assert catalogue.scalar() >= 1
    finally:
        engine.dispose()


def test_the_published_file_holds_only_marts_and_the_run_log(story):
    with duckdb.connect(str(story.warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
        views = con.execute("select count(*) from duckdb_views() where not internal").fetchone()
    assert {s for s, _ in tables} == {"marts", "meta"}
    assert {t for s, t in tables if s == "meta"} <= {"refresh_runs", "loaded_drops"}
    assert ("marts", "measure_values") in tables and ("marts", "measure_catalogue") in tables
    assert views[0] == 0


def _raw_identifiers(landing: Path) -> dict[str, set[str]]:
    """Names, postcodes, UPNs and dates of birth delivered in the drops."""
    found: dict[str, set[str]] = {"name": set(), "full name": set(), "postcode": set(),
                                  "upn": set(), "date of birth": set()}
    for path in [*landing.glob("*/raise/persons.csv"), *landing.glob("*/caf/caf_children.csv")]:
        with path.open(newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                forename, surname = row.get("forename") or "", row.get("surname") or ""
                found["name"] |= {v.strip().lower() for v in (forename, surname) if v.strip()}
                if forename and surname:
                    found["full name"].add(f"{forename} {surname}".lower())
                for column, kind in (("postcode", "postcode"), ("upn", "upn"),
                                     ("date_of_birth", "date of birth")):
                    if (row.get(column) or "").strip():
                        found[kind].add(row[column].strip().lower())
    # An extract date is published as such (meta.loaded_drops, the run log); a child born
    # on that day does not make it a date of birth.
    found["date of birth"] -= {p.name for p in landing.iterdir()}
    return found


def _normalised(text: str) -> str:
    """Lower case, runs of letters and digits separated by single spaces."""
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _token_runs(text: str, longest: int) -> set[str]:
    """Every run of 1..longest consecutive tokens of a normalised text."""
    tokens = text.split()
    return {" ".join(tokens[i:i + n]) for n in range(1, longest + 1)
            for i in range(len(tokens) - n + 1)}


def find_identifier_leaks(warehouse: Path, identifiers: dict[str, set[str]]) -> list[tuple]:
    """Text values of the published file that are a delivered name or date of birth, or
    contain a delivered postcode, UPN or full name (at token boundaries). Set lookups, so
    the scan grows with the data, not with data x identifiers."""
    contained = {kind: {_normalised(i) for i in identifiers[kind]} - {""}
                 for kind in ("postcode", "upn", "full name")}
    longest = max((len(i.split()) for ids in contained.values() for i in ids), default=1)
    leaks = []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            """select schema_name, table_name, column_name, data_type from duckdb_columns()
               where database_name = current_database()""").fetchall()
        for schema, table, column, kind in columns:
            if kind != "VARCHAR":
                continue
            values = {(v or "").strip().lower() for (v,) in con.execute(
                f'select distinct "{column}" from {schema}."{table}"').fetchall()}
            for value in values:
                if value in identifiers["name"] or value in identifiers["date of birth"]:
                    leaks.append((schema, table, column, value))
                runs = _token_runs(_normalised(value), longest)
                if any(runs & ids for ids in contained.values()):
                    leaks.append((schema, table, column, value))
    return leaks


def test_no_text_in_the_published_file_is_a_delivered_name_postcode_upn_or_birth_date(story):
    identifiers = _raw_identifiers(story.landing)
    assert identifiers["name"] and identifiers["postcode"] and identifiers["date of birth"]
    assert not find_identifier_leaks(story.warehouse, identifiers)
