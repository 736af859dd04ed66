"""What a night's validation must check again, and what it carries from the last passed one.

The gate's guarantee is that nothing unchecked is published: every check holds on the work
database as it is. A check need not run again when that is already known:

- **carried**: the check passed in the last passed validation, its query (and its GX
  expectations) are the same text, and every table its query reads holds the same rows
  (row count and the sum of a 64-bit hash of each row, computed in DuckDB). A query is a
  function of the tables it reads, so it gives the same result again. (No suite query reads
  the clock; a check whose query reads `current_date` or `now()` always runs.) A warning
  rule that warned in that validation is carried the same way, with the warning: its
  violating rows and examples are in the record and are reported again as they were.
- **scoped** (the raw contract's rules, `new_loads` in expectations/suites/raw_contract.yml):
  the rule passed last time and the only change to its raw tables since is drops loaded
  through the loader: every version the last validation saw is still there, unchanged but
  for `_valid_to` being set by a new drop (proved by the same digests over the versions
  of the older loads, and over the versions closed before tonight), and the older loads'
  rows of meta.record_problems are unchanged. A current version that was current then
  passed then, so only the versions the new drops brought (and, for parents, the children
  of versions they closed) can break a rule. Any other change runs the whole query.
- otherwise the check runs whole.

The record of the last passed validation is `<gx_root>/gx/uncommitted/last_passed.json`,
written only when a validation passes (the checks that passed, the warning rules that
warned and what they found, the digests of the tables they read, the loads it covered).
The validation result lists what was carried and what was scoped, and why.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from csc.clock import CLOCK

RECORD_NAME = "last_passed.json"
SCHEMAS = ("raw", "meta", "marts", "staging", "intermediate", "reference", "linkage", "main")
NAMED_TABLE = re.compile(r"\b(" + "|".join(SCHEMAS) + r')\."?([A-Za-z_][A-Za-z0-9_]*)"?')


def record_path(gx_root: Path) -> Path:
    return gx_root / "gx" / "uncommitted" / RECORD_NAME


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def tables_read(query: str) -> list[str]:
    """The schema-qualified tables a query names (the suites always qualify them)."""
    return sorted({f"{s}.{t}" for s, t in NAMED_TABLE.findall(query)})


@dataclass
class Scope:
    """What this validation can rely on from the last passed one."""

    record: dict[str, Any]
    loads: list[str]                       # every load id in meta.loaded_drops now
    extracts: list[str]                    # their extract dates
    new_loads: list[str] = field(default_factory=list)
    new_extracts: list[str] = field(default_factory=list)
    digests: dict[str, dict[str, list[int]]] = field(default_factory=dict)
    present: set[str] = field(default_factory=set)
    carried: dict[str, str] = field(default_factory=dict)  # check -> why
    scoped: dict[str, str] = field(default_factory=dict)

    @property
    def variables(self) -> dict[str, Any] | None:
        """The scoped rules' template variables, when there are new drops on a record."""
        if not self.record or not self.new_loads:
            return None
        return {"new_loads": self.new_loads, "new_extracts": self.new_extracts}


def open_scope(con: duckdb.DuckDBPyConnection, gx_root: Path) -> Scope:
    try:
        record = json.loads(record_path(gx_root).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        record = {}
    try:
        drops = con.execute("select load_id, cast(extract_date as varchar) "
                            "from meta.loaded_drops order by extract_date, load_id").fetchall()
    except duckdb.Error:
        drops = []
    scope = Scope(record=record, loads=[d[0] for d in drops], extracts=[d[1] for d in drops])
    scope.present = {f"{s}.{t}" for s, t in con.execute(
        "select schema_name, table_name from duckdb_tables() union all "
        "select schema_name, view_name from duckdb_views() where not internal").fetchall()}
    old_loads = set(record.get("loads") or [])
    old_extracts = set(record.get("extracts") or [])
    if record and old_loads <= set(scope.loads):
        scope.new_loads = [lo for lo in scope.loads if lo not in old_loads]
        scope.new_extracts = sorted({e for lo, e in drops if lo in scope.new_loads})
        if set(scope.new_extracts) & old_extracts:
            scope.new_loads = []  # a new drop dated like an old one: check whole
    return scope


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    schema, name = table.split(".")
    return [r[0] for r in con.execute(
        "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
        "order by column_index", [schema, name]).fetchall()]


def _sql_list(values: list[str]) -> str:
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values) or "null"


def table_digests(con: duckdb.DuckDBPyConnection, scope: Scope, table: str
                  ) -> dict[str, list[int]]:
    """The digests of a table, each [rows, sum of row hashes]: `full` (every row); for a
    raw table (versions with _load_id and _valid_to) also `kept` (every row but its
    _valid_to) and `closed` (rows with a _valid_to), and the same two over what the last
    validation saw (`kept_old`: the older loads' rows; `closed_old`: rows closed by no
    new drop); for a table with a load_id, `full_old` (the older loads' rows)."""
    if table in scope.digests:
        return scope.digests[table]
    columns = _columns(con, table)
    old = f"not coalesce(_load_id in ({_sql_list(scope.new_loads)}), false)"
    parts = {"full": ("true", "hash(t)")}
    if "_load_id" in columns and "_valid_to" in columns:
        rest = ", ".join(f't."{c}"' for c in columns if c != "_valid_to")
        before = f"not coalesce(_valid_to in ({_sql_list(scope.new_extracts)}), false)"
        parts |= {"kept": ("true", f"hash({rest})"),
                  "closed": ("_valid_to is not null", "hash(t)"),
                  "kept_old": (old, f"hash({rest})"),
                  "closed_old": (f"_valid_to is not null and {before}", "hash(t)")}
    elif "load_id" in columns:
        parts["full_old"] = (old.replace("_load_id", "load_id"), "hash(t)")
    select = ", ".join(f"count(*) filter (where {w}), "
                       f"coalesce(sum({h}::hugeint) filter (where {w}), 0)"
                       for w, h in parts.values())
    row = con.execute(f"select {select} from {table} as t").fetchone()
    digests = {name: [int(row[2 * i]), int(row[2 * i + 1])] for i, name in enumerate(parts)}
    scope.digests[table] = digests
    return digests


def decide(con: duckdb.DuckDBPyConnection, scope: Scope, key: str, check_print: str,
           query: str, can_scope: bool) -> str:
    """`carried`, `scoped` or `run` for one check (see the module's docstring)."""
    inputs = tables_read(query)
    last = (scope.record.get("checks") or {}).get(key)
    if (not last or last.get("print") != check_print or CLOCK.search(query)
            or any(t not in scope.present for t in inputs)):
        return "run"
    recorded = scope.record.get("tables") or {}
    if all(recorded.get(t, {}).get("full") == table_digests(con, scope, t)["full"]
           for t in inputs):
        scope.carried[key] = (f"{'warned' if 'warned' in last else 'passed'} on "
                              f"{scope.record.get('validated_at')}; the {len(inputs)} "
                              "table(s) it reads are unchanged since")
        return "carried"
    # A warning found on the older rows would be lost by a query on the new ones only.
    if not can_scope or scope.variables is None or "warned" in last:
        return "run"
    for t in inputs:
        now, then = table_digests(con, scope, t), recorded.get(t, {})
        if "kept" in now:
            same = now["kept_old"] == then.get("kept") and now["closed_old"] == then.get(
                "closed")
        elif "full_old" in now:
            same = now["full_old"] == then.get("full")
        else:
            same = now["full"] == then.get("full")
        if not same:
            return "run"
    scope.scoped[key] = (f"the {len(scope.new_loads)} drop(s) loaded since the last passed "
                         f"validation ({', '.join(scope.new_extracts)}); the versions it saw "
                         "are unchanged")
    return "scoped"


def recorded_warning(scope: Scope, key: str) -> dict[str, Any] | None:
    """What a carried warning rule found when it last ran: {"violations", "examples"}."""
    return ((scope.record.get("checks") or {}).get(key) or {}).get("warned")


def write_record(con: duckdb.DuckDBPyConnection, scope: Scope, gx_root: Path,
                 passed: dict[str, tuple[str, str]], data_docs: Path | None,
                 warned: dict[str, dict[str, Any]] | None = None) -> None:
    """Record a passed validation: `passed` is check -> (its print, its whole query), for
    the checks that passed and the warning rules that warned; `warned` is such a rule ->
    what it found ({"violations": n, "examples": [...]})."""
    warned = warned or {}
    tables: dict[str, dict[str, list[int]]] = {}
    for _, query in passed.values():
        for t in tables_read(query):
            if t in scope.present and t not in tables:
                digests = table_digests(con, scope, t)  # full, kept, closed: whole tables
                tables[t] = {k: v for k, v in digests.items() if not k.endswith("_old")}
    record = {"validated_at": datetime.now().isoformat(timespec="seconds"),
              "loads": scope.loads, "extracts": scope.extracts, "tables": tables,
              "checks": {k: {"print": p} | ({"warned": warned[k]} if k in warned else {})
                         for k, (p, _) in passed.items()},
              "data_docs": str(data_docs) if data_docs else None}
    path = record_path(gx_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)
