"""Run `dbt build` (seed, run, test) on the work database, in process.

`run_dbt_build` can report each finished dbt node to a callback (the refresh shows
progress with it); each is also a hook point (csc.hooks, "dbt node finished") where the
failure tests kill the process with the work database half rebuilt.

After a whole build succeeds, `meta.build_state` holds the digest of its inputs
(`build_inputs`); it is cleared when a build starts. `build_plan` compares the inputs there
are now with it:

- "current": the same inputs (no new drop, no change to the links or the dbt project): the
  build is skipped, the marts there are exactly what it would make;
- "incremental": only new drops, dated after every drop already built (and the links dated
  on them): the models that keep computations (macros/kept_computations.sql) keep the
  as-reported ones stored, and the seeds and the models made of seeds alone
  (`fixed_nodes`) are not built again;
- "full": anything else (no whole build recorded, the project, dbt version or pseudonym
  key changed, a drop dated before one already built): `dbt build --full-refresh`.

The tables read and written here (meta.build_state, meta.loaded_drops and the linkage
tables dbt reads as sources) are created by csc.workdb.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from csc import hooks
from csc.clock import CLOCK
from csc.config import dbt_profiles_dir, dbt_project_dir, set_offline_env, stale_after_days

# What dbt reads from the project: a change to any of these files rebuilds.
PROJECT_INPUTS = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml",
                  "profiles/profiles.yml")
PROJECT_SUFFIXES = {".sql", ".yml", ".yaml", ".csv", ".md"}


class BuildFailed(Exception):
    """dbt build finished with errors or failing tests."""


@dataclass
class BuildResult:
    nodes: int
    failures: list[str] = field(default_factory=list)
    plan: str = "full"  # "full", "incremental" or "current" (skipped): BuildPlan.kind
    reason: str = ""    # why that plan (BuildPlan.reason)
    marts_rows: int = 0  # rows in the marts after the build (marts_rows), when counted

    @property
    def success(self) -> bool:
        return not self.failures

    @property
    def skipped(self) -> bool:
        """Nothing new since the last whole build: its marts stand (no dbt node ran)."""
        return self.plan == "current"


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


# What dbt writes to logs/dbt.log. dbt's default, "debug", logs every query's SQL and every
# adapter call: about 10 MB a demo build, and writing it was 540 of a demo build's 7,433
# profile samples (docs/performance.md, "Issue 22, fifth round"). At "info" the log keeps
# what ran, each node's result and every warning and error; the SQL each node ran is in
# target/run/. An operator's DBT_LOG_LEVEL_FILE (e.g. debug) wins.
DBT_LOG_LEVEL_FILE = "info"


def dbt_invoke(args: list[str], work_db: Path, callbacks: list[Callable] | None = None,
               env: dict[str, str] | None = None, manifest=None):
    """Invoke dbt with the project's profile pointed at `work_db`; return dbt's result.
    `callbacks` receive every dbt event (dbtRunner's callback interface); `env` sets more
    environment variables for the call; `manifest` (a parsed dbt Manifest) skips the
    parse. The staleness threshold the source freshness config reads
    (CSC_STALE_AFTER_DAYS) is passed to every call, so each parse sees the same value."""
    set_offline_env()
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    values = {"CSC_BUILD_DB": str(work_db), "CSC_STALE_AFTER_DAYS": str(stale_after_days()),
              "DBT_LOG_LEVEL_FILE": os.environ.get("DBT_LOG_LEVEL_FILE", DBT_LOG_LEVEL_FILE),
              **(env or {})}
    with _environment(**values):
        try:
            return dbtRunner(manifest=manifest, callbacks=callbacks or []).invoke(
                [*args, "--project-dir", str(dbt_project_dir()),
                 "--profiles-dir", str(dbt_profiles_dir()), "--quiet"]
            )
        finally:
            # dbt-duckdb can keep its connection open; release the file for the next step.
            DuckDBConnectionManager.close_all_connections()


# The project parsed once per process: {key: Manifest} (parsed_manifest); one parse at a time.
_PARSED: dict[str, object] = {}
_PARSE_LOCK = threading.Lock()


def parsed_manifest(work_db: Path, stale_days: int | None = None):
    """The dbt project parsed (a dbt Manifest), once per process for each state of the
    project: the freshness check, the build and the docs site of a refresh share one parse,
    and so do the refreshes of one process (the test suite's) while the project stays as it
    is. The key is what a parse reads: the project's files, the dbt version and the
    pseudonym key (`project_basis`), the staleness threshold the source freshness config
    reads, and the database's name (the work file's name, which the profile's path gives
    every relation). Not its folder: dbt's own partial parsing starts again from nothing
    for every new work file path (the path is in the profile it hashes), a full parse of
    about 7 s quiet, 15 s on a loaded machine, although the manifests of two folders
    differ in nothing but the parse time. The manifest handed out is never compiled: a
    build compiles a copy (`run_dbt_build`), so the docs site still holds each model's SQL
    as written."""
    days = stale_after_days() if stale_days is None else stale_days
    key = hashlib.sha256(f"{project_basis()}\n{days}\n{work_db.name}\n"
                         f"{dbt_project_dir()}".encode()).hexdigest()
    with _PARSE_LOCK:  # a parse under way in the background (parse_in_background): wait
        return _PARSED.get(key) or _parse(work_db, days, key)


def _parse(work_db: Path, days: int, key: str):
    # --no-write-json: target/manifest.json is read by nothing here (about 1.4 s to write
    # on a loaded machine); dbt's partial-parse file is still written.
    parsed = dbt_invoke(["parse", "--no-write-json"], work_db,
                        env={"CSC_STALE_AFTER_DAYS": str(days)})
    if parsed.exception is not None or not parsed.success:
        raise BuildFailed(f"dbt parse failed: {parsed.exception or '(see dbt log)'}")
    _PARSED.clear()  # the project changed: an older parse is not needed again
    _PARSED[key] = parsed.result
    return parsed.result


def parse_in_background(work_db: Path) -> threading.Thread:
    """Start the refresh's parse (`parsed_manifest`) in a thread of its own, so that it runs
    while the process waits for something else: `csc refresh` starts it as soon as the flow
    is imported, while Prefect's server comes up, and the load step runs beside it (DuckDB
    work, outside Python's lock). The step that needs the manifest first (freshness) waits
    for the parse under way instead of starting another. A parse that fails here is left
    to that step, which parses again and reports why."""
    def parse() -> None:
        try:
            parsed_manifest(work_db)
        except Exception:  # noqa: BLE001, S110 - the step that needs the parse reports it
            pass

    thread = threading.Thread(target=parse, name="dbt-parse", daemon=True)
    thread.start()
    return thread


def copy_manifest(manifest):
    """A deep copy of a dbt Manifest that a run may compile into. Not `copy.deepcopy`:
    Manifest.__reduce_ex__ (dbt-core 1.10/1.11) passes its fields by position and leaves
    one out, so the copy's lookups land in the wrong fields ("RefableLookup.find() missing
    1 required positional argument"). The copy's lookups are built again when first used."""
    import dataclasses

    return type(manifest)(**{f.name: copy.deepcopy(getattr(manifest, f.name))
                             for f in dataclasses.fields(manifest)
                             if f.init and not f.name.startswith("_")})


def _node_finished_callback(on_node: Callable[[int, str], None] | None) -> Callable:
    """A dbt event callback counting finished nodes."""
    finished = 0

    def callback(event) -> None:
        nonlocal finished
        if event.info.name != "NodeFinished":
            return
        finished += 1
        if on_node is not None:
            on_node(finished, event.data.node_info.unique_id)
        hooks.reached("dbt node finished")

    return callback


@dataclass(frozen=True)
class BuildInputs:
    """What a `dbt build` of the work database reads. `basis` is the digest of everything
    but the history: the project's files (models, macros, seeds, dbt tests,
    dbt_project.yml, the profile), the dbt version and the pseudonym key.
    `drops` are the drops loaded, (extract date, load id) by date; `links` a digest of the
    link versions (linkage.caf_person_link_versions). History only changes by loading a
    drop and the links by a linkage run, so equal inputs mean a build would make exactly
    the marts there. The links are history too: a linkage run dates what it changes after
    the extract the run before it linked (csc.linkage), so it never changes a computation
    an earlier build made. `findings` is a digest of the statutory returns' findings
    (returns.validation_findings, read by marts.return_findings alone; "" while there are
    none, so a warehouse that never checked a return keeps the digest it had)."""

    basis: str
    drops: tuple[tuple[str, str], ...]
    links: str = ""
    findings: str = ""

    @property
    def digest(self) -> str:
        text = f"{self.basis}\n{self.drops!r}\n{self.links}"
        if self.findings:
            text += f"\n{self.findings}"
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class BuildPlan:
    """What the next build does: "current" (skip it), "incremental" or "full", and why;
    `inputs` are those it was decided on (recorded by the build when it succeeds)."""

    kind: str
    reason: str
    inputs: BuildInputs | None = None

    @property
    def args(self) -> list[str]:
        return [*(["--full-refresh"] if self.kind == "full" else []), *NIGHT_EXCLUDES]


# A refresh's build leaves out dbt's unit tests. They test the models' SQL on fixed rows,
# not the night's data, so a night on unchanged code can only repeat their result (11-23 s
# of node time a night); dbt's own advice is to run them in development and CI, not in
# production. `make test` runs every one of them (tests/dbt/test_unit_tests.py); the data
# tests, which check the data, still run in every build.
NIGHT_EXCLUDES = ["--exclude-resource-type", "unit_test"]


def project_basis() -> str:
    """Digest of what a parse and a build read besides the history (BuildInputs.basis):
    the project's files, the dbt version and the pseudonym key."""
    from dbt.version import __version__ as dbt_version

    basis = hashlib.sha256(f"dbt {dbt_version}\n".encode())
    basis.update(os.environ.get("CSC_PSEUDONYM_KEY", "").encode())
    root = dbt_project_dir()
    for entry in PROJECT_INPUTS:
        path = root / entry
        files = sorted(f for f in path.rglob("*") if f.suffix in PROJECT_SUFFIXES) \
            if path.is_dir() else [path]
        for file in files:
            basis.update(f"\n{file.relative_to(root)}\n".encode())
            basis.update(file.read_bytes())
    return basis.hexdigest()


def read_build_inputs(work_db: Path) -> BuildInputs:
    """The inputs a build of `work_db` would read now (BuildInputs)."""
    basis = project_basis()
    with duckdb.connect(str(work_db)) as con:
        drops = con.execute(
            "select cast(extract_date as varchar), load_id from meta.loaded_drops "
            "order by extract_date, load_id").fetchall()
        # The links themselves, not when linkage last ran: a run that relinks nothing
        # (no LA's linkage fields changed) leaves the build's inputs as they were.
        links = con.execute("""
            select count(*), bit_xor(h), sum(h)
            from (select hash(la_code, caf_child_id, person_id, match_probability,
                              link_method, valid_from, valid_to) as h
                  from linkage.caf_person_link_versions)""").fetchone()
        findings = ""
        if con.execute("""select count(*) from information_schema.tables where
                          table_schema = 'returns' and table_name = 'validation_findings'
                          """).fetchone()[0]:
            checked = con.execute("""
                select count(*), bit_xor(h), sum(h)
                from (select hash(la_code, collection_year, as_at, validated_at, return_name,
                                  rule_code, rule_type, message, table_name, column_name,
                                  child_id, row_number) as h
                      from returns.validation_findings)""").fetchone()
            findings = repr(checked) if checked[0] else ""
    return BuildInputs(basis=basis, drops=tuple(tuple(d) for d in drops),
                       links=repr(links), findings=findings)


def build_inputs(work_db: Path) -> str:
    """The digest of everything a `dbt build` of `work_db` reads (BuildInputs.digest)."""
    return read_build_inputs(work_db).digest


def _last_build_state(work_db: Path) -> tuple[str, str | None, str | None] | None:
    """(inputs digest, basis, drops) of the last build that finished, or None when the
    marts may not be whole (no build yet, or one started since and did not finish)."""
    with duckdb.connect(str(work_db)) as con:
        return con.execute("select inputs, basis, drops from meta.build_state").fetchone()


def build_is_current(work_db: Path) -> bool:
    """True when the last whole build finished on exactly the inputs there are now."""
    return build_plan(work_db).kind == "current"


def build_plan(work_db: Path) -> BuildPlan:
    """What the next build of `work_db` does (BuildPlan), from the inputs there are now and
    those of the last whole build."""
    now = read_build_inputs(work_db)
    state = _last_build_state(work_db)
    if state is None:
        return BuildPlan("full", "no whole build recorded (none yet, or the last one did "
                                 "not finish)", now)
    inputs, basis, drops = state
    if inputs == now.digest:
        return BuildPlan("current", "nothing new since the last build", now)
    if basis is None or drops is None:
        return BuildPlan("full", "the last build recorded no basis to build on", now)
    if basis != now.basis:
        return BuildPlan("full", "the dbt project, dbt version or pseudonym key changed "
                                 "since the last build", now)
    built = tuple(tuple(d) for d in json.loads(drops))
    if now.drops[:len(built)] != built:
        return BuildPlan("full", "a drop already built was reloaded, or a drop dated "
                                 "before one already built was loaded", now)
    new = len(now.drops) - len(built)
    what = f"{new} new drop(s)" if new else "new links or return findings"
    return BuildPlan("incremental", what + " since the last build: as-reported figures "
                     "already computed are kept", now)


def set_build_state(work_db: Path, inputs: BuildInputs | None) -> None:
    """Record `inputs` as those of the last whole build (None: the marts may be half built,
    e.g. a build has started)."""
    with duckdb.connect(str(work_db)) as con:
        con.execute("delete from meta.build_state")
        if inputs is not None:
            con.execute("""insert into meta.build_state (inputs, built_at, basis, drops)
                           values (?, current_timestamp, ?, ?)""",
                        [inputs.digest, inputs.basis, json.dumps(inputs.drops)])


def run_dbt_build(work_db: Path, extra_args: list[str] | None = None,
                  on_node: Callable[[int, str], None] | None = None,
                  plan: BuildPlan | None = None) -> BuildResult:
    """`dbt build` the whole project into `work_db`. Raises BuildFailed on any error.
    `on_node(count, unique_id)` is called as each node finishes. Without `plan` (or
    `extra_args`) the build follows `build_plan`: incremental when only later drops are
    new, `--full-refresh` otherwise."""
    if plan is None and not extra_args:
        plan = build_plan(work_db)
    # A plan holds the inputs it was decided on: the project files and links are not
    # hashed twice.
    inputs = plan.inputs if plan is not None and plan.inputs is not None \
        else read_build_inputs(work_db)
    set_build_state(work_db, None)  # from here until success the marts may be half built
    args = list(extra_args) if extra_args else plan.args
    # The refresh's one parse, copied: the build compiles the nodes it runs into the
    # manifest, and the docs site must get them as written.
    manifest = copy_manifest(parsed_manifest(work_db))
    kept = kept_fixed_nodes(manifest, work_db) if not extra_args and plan.kind == "incremental" \
        else []
    if kept:
        args += ["--indirect-selection", "cautious", "--exclude", *kept]
    # --no-write-json: dbt would write target/manifest.json after the last node, which
    # nothing reads (0.5-1.6 s of one thread a demo build); run_results.json, which an
    # operator and the benchmarks read, is written here instead (write_run_results).
    outcome = dbt_invoke(["build", *args, "--no-write-json"], work_db, manifest=manifest,
                         callbacks=[_node_finished_callback(on_node)])
    if outcome.exception is not None:
        raise BuildFailed(f"dbt build could not run: {outcome.exception}")
    write_run_results(outcome.result)
    failures = []
    nodes = 0
    for r in outcome.result or []:
        nodes += 1
        status = str(r.status)
        if status in ("error", "fail", "runtime error"):
            failures.append(f"{r.node.unique_id}: {status}: {r.message}")
    if failures or not outcome.success:
        raise BuildFailed("dbt build failed:\n  " + "\n  ".join(failures or ["(see dbt log)"]))
    if not extra_args:  # a whole build: its marts stand for these inputs
        set_build_state(work_db, inputs)
    reason = (plan.reason if plan is not None else "") + carried_records(work_db)
    if kept:
        reason += (f"; {len(kept)} seeds and models that read only the project's seeds kept "
                   "from the last build, with their tests")
    return BuildResult(nodes=nodes, plan="full" if "--full-refresh" in args else "incremental",
                       reason=reason)


# Besides the clock (csc.clock.CLOCK), words in a model's SQL (or a macro it calls) that make
# its result depend on the run or where it runs, not only on the project's files: such a
# model is never kept.
RUN_DEPENDENT = ("run_started_at", "invocation_id", "env_var", "modules.datetime", "random(")


def _names_run_dependent(code: str) -> bool:
    """Whether code (SQL with Jinja) reads the clock (CLOCK) or names something in
    RUN_DEPENDENT, outside its Jinja and line comments (dbt's own date_spine names
    current_date in a comment)."""
    code = re.sub(r"--[^\n]*", "", re.sub(r"\{#.*?#\}", "", code, flags=re.S)).lower()
    return bool(CLOCK.search(code)) or any(word in code for word in RUN_DEPENDENT)


def fixed_nodes(manifest) -> list[str]:
    """The seeds, and the models built from seeds alone (every ancestor a seed, no source),
    whose SQL and macros name nothing that depends on when or where the build runs
    (_names_run_dependent): the nodes whose tables a build makes the same from the same project,
    whatever the night's data. Their names, in the order of the manifest."""
    macros = manifest.macros
    by_short: dict[str, list[str]] = {}
    for name in macros:
        by_short.setdefault(name.rsplit(".", 1)[-1].rsplit("__", 1)[-1], []).append(name)

    def calls(name: str) -> list[str]:
        """What a macro may run: the macros it calls, and every macro adapter.dispatch
        may call for it (<prefix>__<name>)."""
        short = name.rsplit(".", 1)[-1]
        return [*macros[name].depends_on.macros,
                *(m for m in by_short.get(short, []) if m.rsplit(".", 1)[-1] != short)]

    # the run-dependent macros: those naming the clock or the run, and those that may run one
    run_dependent = {name for name, m in macros.items() if _names_run_dependent(m.macro_sql)}
    grown = True
    while grown:
        grown = False
        for name in macros:
            if name not in run_dependent and any(
                    m not in macros or m in run_dependent for m in calls(name)):
                run_dependent.add(name)
                grown = True

    fixed: dict[str, bool] = {}

    def is_fixed(unique_id: str) -> bool:
        if unique_id not in fixed:
            node = manifest.nodes.get(unique_id)
            if node is None or node.resource_type not in ("seed", "model"):
                fixed[unique_id] = False  # a source, a snapshot...
            elif node.resource_type == "seed":
                fixed[unique_id] = True
            else:
                parents = node.depends_on.nodes
                fixed[unique_id] = (
                    bool(parents) and getattr(node.config, "materialized", "") == "table"
                    and not _names_run_dependent(node.raw_code)
                    and not any(m not in macros or m in run_dependent
                                for m in node.depends_on.macros)
                    and all(is_fixed(p) for p in parents))
        return fixed[unique_id]

    return [node.name for uid, node in manifest.nodes.items() if is_fixed(uid)]


def kept_fixed_nodes(manifest, work_db: Path) -> list[str]:
    """The fixed nodes (fixed_nodes) an incremental build leaves out, keeping the tables the
    last whole build made of them on the same project (build_plan: an incremental build
    needs the same project basis), with the data tests that read only them: all of them, or
    none when any of their tables is missing from the work database."""
    names = fixed_nodes(manifest)
    wanted = {(n.schema, n.alias) for n in manifest.nodes.values() if n.name in names
              and n.resource_type in ("seed", "model")}
    with duckdb.connect(str(work_db), read_only=True) as con:
        there = set(con.execute("select schema_name, table_name from duckdb_tables()"
                                ).fetchall())
    return names if wanted <= there else []


RUN_RESULTS = "run_results.json"


def write_run_results(result) -> Path | None:
    """Write a build's results where dbt writes them (each node's status, message and
    seconds), as dbt's own write does: run_results.json in dbt's target folder, the
    project's target/ or DBT_TARGET_PATH. None when there are no results."""
    if result is None or not hasattr(result, "write"):
        return None
    path = dbt_project_dir() / os.environ.get("DBT_TARGET_PATH", "target") / RUN_RESULTS
    path.parent.mkdir(parents=True, exist_ok=True)
    result.write(str(path))
    return path


def carried_records(work_db: Path) -> str:
    """What a build carried (macros/kept_computations.sql): '; records of N of M children
    computed on <extract>, the rest carried from <previous>', or '' when it computed every
    record."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        try:
            as_at, carried_from = con.execute(
                "select as_at, carried_from from intermediate.int_latest_carry").fetchone()
            if carried_from is None:
                return ""
            recomputed = con.execute(
                "select count(*) from intermediate.int_persons_recomputed").fetchone()[0]
            children = con.execute("select count(*) from (select distinct la_code, person_id "
                                   "from intermediate.int_source__persons)").fetchone()[0]
        except duckdb.CatalogException:  # a project without the carry (tests' own)
            return ""
    return (f"; records of {recomputed:,} of {children:,} children computed on {as_at}, "
            f"the rest carried from {carried_from}")


def marts_rows(work_db: Path) -> int:
    """Rows of every table in the marts schema of `work_db`."""
    with duckdb.connect(str(work_db), read_only=True) as con:
        tables = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'marts'").fetchall()
        return sum(con.execute(f'select count(*) from marts."{t}"').fetchone()[0]
                   for (t,) in tables)


def dbt_docs_artifacts(work_db: Path) -> tuple[dict, dict]:
    """The dbt docs site's two documents for the project built in `work_db`: the manifest
    of the refresh's parse (`parsed_manifest`: never compiled, so it holds each model's
    SQL as written, with no rendered variable such as the pseudonym key) and the catalog
    `dbt docs generate --no-compile` reads from the work database with that manifest (no
    second parse). Both as JSON-ready dicts."""
    manifest = parsed_manifest(work_db)
    generated = dbt_invoke(["docs", "generate", "--no-compile"], work_db, manifest=manifest)
    if generated.exception is not None or not generated.success:
        raise BuildFailed(f"dbt docs generate failed: {generated.exception or '(see dbt log)'}")
    return (manifest.writable_manifest().to_dict(omit_none=False),
            generated.result.to_dict(omit_none=False))
