"""The work database's schema: every table csc keeps in the work file besides dbt's models,
and the migrations that bring a work file made by an older version up to date.

`prepare_work_db` creates what is missing and adds what was added since (columns, the link
versions); a refresh calls it once, at its start, and the steps after it (csc.load,
csc.linkage, csc.build, csc.runlog) find their tables there and create none. It is
idempotent: a work file already up to date is left as it is.

    raw.<table>                  load: every version of every record of a contract table
                                 (RAISE/CAF and SSD: raw.ssd_person, raw.ssd_contacts ...)
    meta.loaded_drops            load: one row per drop loaded (date, load id, counts, seconds)
    meta.loaded_files            load: one row per file loaded (sha256, size, modification time)
    meta.record_deletions        load: one row per record that disappeared from a drop
    meta.quarantined_drops       load: one row per refused attempt to load a drop, its report
    meta.quarantine_problems     load: every problem found in a refused attempt
    meta.record_problems         load: record-level problems of loaded drops (flagged, treated)
    linkage.caf_person_links     linkage: the links in force (read by dbt through versions)
    linkage.caf_person_link_versions  linkage: the links with valid_from / valid_to
    linkage.clerical_review      linkage: borderline pairs for a human to confirm
    linkage.la_inputs            linkage: per LA, its batch and input fingerprint
    linkage.models               linkage: each batch's trained model, until its inputs drift
    meta.linkage_runs            linkage: one row per linkage run
    meta.build_state             build: the inputs of the last whole dbt build
    meta.refresh_runs            run log: one row per refresh
    returns.validation_findings  returns: the DfE validators' findings on the statutory returns
    returns.validation_runs      returns: per LA, year, as-at and return, whether it was checked

What each table means is documented with the module that writes it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb

from csc.contract import Contract, load_contract
from csc.ssd_contract import load_ssd_contract

# --- load: raw history and the load manifest (csc.load) ----------------------------------


def _load_statements(contract: Contract) -> list[str]:
    statements = [
        "create schema if not exists raw",
        "create schema if not exists meta",
        """create table if not exists meta.loaded_drops (
            extract_date date primary key, load_id varchar, loaded_at timestamp,
            files integer, rows_read bigint, versions_added bigint, versions_closed bigint)""",
        *(f"alter table meta.loaded_drops add column if not exists {column} {kind}"
          for column, kind in [("records_deleted", "bigint"), ("load_seconds", "double")]),
        """create table if not exists meta.loaded_files (
            extract_date date, table_name varchar, source_file varchar, sha256 varchar,
            rows_read bigint, primary key (extract_date, table_name))""",
        *(f"alter table meta.loaded_files add column if not exists {column} {kind}"
          for column, kind in [("size_bytes", "bigint"), ("modified_ns", "bigint"),
                               ("versions_added", "bigint"), ("versions_closed", "bigint"),
                               ("records_deleted", "bigint")]),
        """create table if not exists meta.record_deletions (
            table_name varchar, record_key varchar, deleted_on date, load_id varchar)""",
        """create table if not exists meta.quarantined_drops (
            extract_date varchar, attempt_id varchar, quarantined_at timestamp,
            problems integer, report_path varchar, report varchar,
            released_at timestamp, released_load_id varchar)""",
        """create table if not exists meta.quarantine_problems (
            attempt_id varchar, extract_date varchar, source_file varchar, row_number bigint,
            column_name varchar, value varchar, rule varchar, message varchar,
            rows_affected bigint)""",
        # Record-level problems of loaded drops, one row per drop x record x column x rule
        # (every drop lists what it holds: a problem still there is still open).
        """create table if not exists meta.record_problems (
            extract_date date, load_id varchar, table_name varchar, la_code varchar,
            record_key varchar, record_id varchar, row_hash varchar, source_file varchar,
            row_number bigint, column_name varchar, rule varchar, value varchar,
            team_id varchar, worker_id varchar, personal boolean)""",
        # the record's person_id, where its table has one: the mart publishes it only as
        # the pseudonymous child_key (docs/loading.md)
        "alter table meta.record_problems add column if not exists person_id varchar",
    ]
    # raw tables of both sources: the RAISE/CAF contract's and the SSD's (csc.ssd_contract)
    tables = {**load_ssd_contract().tables, **contract.tables}
    for table in tables.values():
        cols = ", ".join(f'"{c}" varchar' for c in table.column_names)
        statements.append(
            f"""create table if not exists raw.{table.name} ({cols},
                _record_key varchar, _row_hash varchar, _valid_from date, _valid_to date,
                _load_id varchar, _source_file varchar, _row_number bigint)""")
        # columns a later contract version added (`since`): a work file made before them
        # gets them here, empty in the versions loaded before
        statements += [f'alter table raw.{table.name} add column if not exists "{c.name}" varchar'
                       for c in table.columns if c.since]
        # set when the loader leaves the version out of the models (docs/loading.md)
        statements.append(
            f"alter table raw.{table.name} add column if not exists _left_out boolean")
    return statements


# --- linkage (csc.linkage) ---------------------------------------------------------------

# valid_from of the links the first linkage run makes: before any extract date.
HISTORY_START = "1900-01-01"
LINKAGE = [
    "create schema if not exists linkage",
    "create schema if not exists meta",
    """create table if not exists linkage.caf_person_links (
        la_code varchar, caf_child_id varchar, person_id varchar,
        match_probability double, link_method varchar)""",
    """create table if not exists linkage.caf_person_link_versions (
        la_code varchar, caf_child_id varchar, person_id varchar,
        match_probability double, link_method varchar, valid_from date, valid_to date)""",
    # A work database linked before link versions were kept: its links hold from the start.
    f"""insert into linkage.caf_person_link_versions
        select la_code, caf_child_id, person_id, match_probability, link_method,
               date '{HISTORY_START}', null
        from linkage.caf_person_links
        where not exists (select 1 from linkage.caf_person_link_versions)""",
    """create table if not exists linkage.clerical_review (
        la_code varchar, caf_child_id varchar, person_id varchar, match_probability double,
        caf_forename varchar, caf_surname varchar, caf_date_of_birth varchar,
        caf_postcode varchar, raise_forename varchar, raise_surname varchar,
        raise_date_of_birth varchar, raise_postcode varchar)""",
    """create table if not exists linkage.la_inputs (
        la_code varchar, batch varchar, fingerprint varchar)""",
    """create table if not exists meta.linkage_runs (
        linked_at timestamp, caf_children bigint, links_raise_id bigint,
        links_clerical bigint, links_probabilistic bigint, review_pairs bigint,
        match_threshold double, precision double, recall double, seconds double)""",
    # Added with LA batches; a warehouse made before them gets the columns here.
    "alter table meta.linkage_runs add column if not exists batches bigint",
    "alter table meta.linkage_runs add column if not exists batches_linked bigint",
    # Added with link versions: the latest extract date the run linked.
    "alter table meta.linkage_runs add column if not exists extract_date date",
    # Added with stored models: batches of the run whose model was trained again.
    "alter table meta.linkage_runs add column if not exists batches_trained bigint",
    # Each batch's trained Splink model (settings with m and u), scored with until its
    # inputs drift (csc.linkage.StoredModel.drift).
    """create table if not exists linkage.models (
        batch varchar, signature varchar, records bigint, trained_on date,
        trained_at timestamp, model varchar)""",
]

# --- build state (csc.build) -------------------------------------------------------------

BUILD_STATE = [
    "create schema if not exists meta",
    "create table if not exists meta.build_state (inputs varchar, built_at timestamp)",
    # what build_plan compares: the digest of all but the drops, and the drops built
    "alter table meta.build_state add column if not exists basis varchar",
    "alter table meta.build_state add column if not exists drops varchar",
]

# --- the run log (csc.runlog) ------------------------------------------------------------

# Columns of meta.refresh_runs. A column added here is added to an existing table, so a
# work database made by an older version keeps its history.
REFRESH_RUNS_COLUMNS: dict[str, str] = {
    "run_id": "varchar primary key",
    "started_at": "timestamp",
    "finished_at": "timestamp",
    "status": "varchar",              # running | succeeded | failed | abandoned | published
    "failed_step": "varchar",         # start | load | link | build | validate | publish | report
    "message": "varchar",             # the error in words (work database only: not published)
    "drops_loaded": "varchar",        # comma-separated extract dates
    "rows_loaded": "bigint",          # rows read from the new drops
    "versions_added": "bigint",       # raw history: record versions added
    "versions_closed": "bigint",      # raw history: record versions closed
    "record_problems": "varchar",     # JSON: rule -> records flagged in the drops loaded
    "dbt_nodes": "integer",           # models, seeds and tests dbt built
    "validation_result": "varchar",   # summary line of the GX checkpoint
    "validation_failures": "varchar",
    "measures_published": "integer",  # distinct measure ids in marts.measure_values
    "measure_rows": "bigint",         # rows of marts.measure_values published
    "published_rows": "bigint",       # rows of every published table
    "step_seconds": "varchar",        # JSON: step -> seconds
    "step_rows": "varchar",           # JSON: step -> rows (load: read, build: marts, publish)
    "step_attempts": "varchar",       # JSON: step -> attempts (more than 1: retried)
    "landing": "varchar",
    "published_file": "varchar",
    "data_docs": "varchar",           # GX Data Docs index.html of this run
    "report_path": "varchar",
    "log_file": "varchar",            # the plain-text log of this run
    "flow_run_id": "varchar",         # Prefect flow run
    # freshness (csc.freshness): how old the newest extract loaded is on the run's day
    "newest_extract": "date",         # extract date of the newest drop loaded
    "extract_age_days": "integer",    # whole days from it to the day the run checked
    "stale_after_days": "integer",    # the staleness threshold in force (days)
    "stale": "boolean",               # extract_age_days > stale_after_days: warned
    "freshness_status": "varchar",    # dbt source freshness on meta.loaded_drops: pass | warn | ...
    "warnings": "varchar",            # the run's warnings, one a line (stale data, drift)
    "docs_site": "varchar",           # the dbt docs site (index.html) this run published
}
RUN_LOG = [
    "create schema if not exists meta",
    "create table if not exists meta.refresh_runs (\n    " + ",\n    ".join(
        f"{name} {kind}" for name, kind in REFRESH_RUNS_COLUMNS.items()) + "\n)",
    *(f"alter table meta.refresh_runs add column if not exists {name} {kind}"
      for name, kind in REFRESH_RUNS_COLUMNS.items() if name != "run_id"),
]

# --- statutory returns: the DfE validators' findings (csc.returns.validate) -------------

# One row per finding (rule x record x column) on an LA's return for a collection year as at
# an extract; a new check of the same LA, year and as-at replaces the earlier one. child_id
# is the RAISE person_id in clear: the mart publishes it only as the pseudonymous child_key.
RETURNS = [
    "create schema if not exists returns",
    """create table if not exists returns.validation_findings (
        la_code varchar, collection_year varchar, as_at date, validated_at timestamp,
        return_name varchar, rule_code varchar, rule_type varchar, message varchar,
        table_name varchar, column_name varchar, child_id varchar, row_number bigint)""",
    # one row per LA x year x as-at x return checked: validated or not (and why not), the
    # rules run, skipped (a table the return lacks) and failed (the rule raised)
    """create table if not exists returns.validation_runs (
        la_code varchar, collection_year varchar, as_at date, validated_at timestamp,
        return_name varchar, status varchar, reason varchar, rule_set varchar,
        rules_run integer, rules_skipped varchar, rules_failed varchar, findings bigint,
        seconds double)""",
]

# --- the owner -----------------------------------------------------------------------------

PARTS = ("load", "linkage", "build", "runs", "returns")


def create_tables(con: duckdb.DuckDBPyConnection, contract: Contract | None = None,
                  parts: Iterable[str] = PARTS) -> None:
    """Create or migrate the tables of `parts` (all by default; a test may want a work
    database with only some) on an open connection."""
    parts = tuple(parts)
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"no such part of the work database: {sorted(unknown)}")
    statements = {
        "load": lambda: _load_statements(contract or load_contract()),
        "linkage": lambda: LINKAGE,
        "build": lambda: BUILD_STATE,
        "runs": lambda: RUN_LOG,
        "returns": lambda: RETURNS,
    }
    for part in PARTS:
        if part in parts:
            for statement in statements[part]():
                con.execute(statement)


def prepare_work_db(work_db: Path, contract: Contract | None = None,
                    parts: Iterable[str] = PARTS) -> Path:
    """Create the work database `work_db` (and its folder) if there is none, create or
    migrate its tables (`create_tables`); return `work_db`."""
    work_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(work_db)) as con:
        create_tables(con, contract, parts)
    return work_db
