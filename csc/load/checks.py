"""Check a drop before anything of it is written.

Each file of the drop is read once from disk into a temporary table (DuckDB's CSV reader,
every column as text, rows it cannot parse set aside in a rejects table with their row
number). The checks then run as set-based SQL over those tables:

- structure (from the reader's rejects): ragged rows, broken quoting, truncated file;
- values, all columns of a file in ONE scan: required, int, flag, code list, dates
  (unparseable, impossible, implausible, DD/MM/YYYY), LA code, spreadsheet-mangled ids;
- primary key duplicates: one aggregate per file;
- references to a parent record missing from the same drop: one anti-join per reference.

Byte-level facts (BOM, encoding, blank rows before the header, the header's names, the
file's ending) come from `files.sniff_file`, one streaming pass that also computes the
checksum. The staged tables are what the merge then writes, so a file is read from disk
once whatever the outcome.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import duckdb

from csc.contract import CODES_SEPARATOR, Column, Contract, Table
from csc.load.files import FileFacts, sniff_file
from csc.load.problems import Problem, max_problem_share

# Plausible dates: nothing in children's social care records predates 1910 (1900-01-01 and
# 1899-12-30 are the classic "unknown" placeholders of spreadsheets and SQL Server), and
# nothing lies more than a year after the extract was taken (9999-12-31 "open end"
# placeholders, typed years such as 2103).
EARLIEST_PLAUSIBLE = date(1910, 1, 1)
LATEST_AFTER_EXTRACT = timedelta(days=366)
EXAMPLE_ROWS = 5
REJECTS_LIMIT = 10_000  # rows the CSV reader lists as unparseable, at most, per file


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class StagedFile:
    """One file of a drop, read into temp table `staged` (header columns as text,
    `_record_key`, `_row_hash`); `row_offset` turns a rowid into the file's row number."""

    table: Table
    path: Path
    relative: str  # path relative to the landing folder, as reported
    facts: FileFacts
    staged: str | None = None
    row_offset: int = 2
    rows: int = 0


@dataclass
class CheckedDrop:
    extract_date: str
    files: dict[str, StagedFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _suggest(name: str, candidates: list[str]) -> str:
    close = difflib.get_close_matches(name.strip().lower(), candidates, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else "not in the extract contract"


def _sensitive(table: Table, column: str | None) -> bool:
    """Could a value of this column (None: a whole raw line) be personal data?"""
    pii = {c.name for c in table.columns if c.pii}
    return bool(pii) if column is None or column not in table.column_names else column in pii


def check_header(sf: StagedFile) -> list[Problem]:
    """Column names against the contract (order is free; names are not)."""
    header = sf.facts.header or []
    expected = sf.table.column_names
    problems = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            problems.append(Problem(sf.relative, "duplicate-column", row=1, column=name))
        seen.add(name)
    unknown = [h for h in header if h not in expected]
    # a column some system variants lack (SSD contract `variants`) may be absent; so may the
    # columns a later contract version added (`since`), when the file holds none of that
    # version's columns (a drop of an earlier version): a file holding some must hold all
    versions_held = {c.since for c in sf.table.columns if c.since and c.name in header}
    missing = [c.name for c in sf.table.columns if c.name not in header and c.variants is None
               and (c.since is None or c.since in versions_held)]
    for name in unknown:
        problems.append(Problem(sf.relative, "unknown-column", row=1, column=name,
                                detail=_suggest(name, [m for m in missing] or expected)))
    for name in missing:
        problems.append(Problem(sf.relative, "missing-column", row=1, column=name,
                                detail=f"the contract's {sf.table.name} columns are: "
                                       + ", ".join(expected)))
    return problems


def check_bytes(sf: StagedFile) -> list[Problem]:
    """BOM, encoding, blank rows, emptiness: what the CSV reader would hide or trip on."""
    facts, rel = sf.facts, sf.relative
    if facts.size == 0:
        return [Problem(rel, "empty-file", detail="a table with no records still needs its "
                                                  "header row")]
    problems = []
    if facts.looks_like_utf16:
        problems.append(Problem(rel, "not-utf8", row=1, detail=(
            "the file is UTF-16 encoded; save it as UTF-8")))
        return problems
    if facts.bom:
        problems.append(Problem(rel, "byte-order-mark", row=1, detail=(
            f"{facts.bom} BOM bytes EF BB BF before the header; save as UTF-8 without BOM")))
    if facts.header is None:
        problems.append(Problem(rel, "blank-rows-before-header", row=1,
                                detail="the file holds only blank lines, no header row"))
        return problems
    if facts.blank_lines_before_header:
        n = facts.blank_lines_before_header
        problems.append(Problem(rel, "blank-rows-before-header", row=1, detail=(
            f"{n} blank line(s); the header must be on line 1, found on line {n + 1}")))
    bad = facts.bad_bytes
    if bad is not None:
        column = None
        if bad.column_index is not None and bad.column_index < len(facts.header):
            column = facts.header[bad.column_index]
        if bad.as_windows_1252 is not None:
            detail = (f"byte 0x{bad.raw.hex().upper()} is {bad.as_windows_1252!r} in "
                      "Windows-1252: this looks like a Windows-1252 (Excel/Windows) export; "
                      "re-export or save it as UTF-8")
        else:
            detail = (f"byte 0x{bad.raw.hex().upper()} is neither UTF-8 nor Windows-1252; "
                      "re-export the file as UTF-8")
        problems.append(Problem(rel, "not-utf8", row=bad.line, column=column,
                                value=bad.field_text, detail=detail,
                                sensitive=_sensitive(sf.table, column)))
    return problems


def stage_file(con: duckdb.DuckDBPyConnection, sf: StagedFile, name: str) -> list[Problem]:
    """Read the file into temp table `name`; report rows the reader set aside."""
    header = sf.facts.header or []
    columns = ", ".join(f"{lit(h)}: 'VARCHAR'" for h in header)
    key = " || '|' || ".join(f"coalesce({ident(c)}, '')" for c in sf.table.key)
    hashed = ", ".join(f"coalesce({ident(c.name)}, '\\N')" for c in sf.table.columns
                       if c.name in header and not c.since)
    # a column of a later contract version (`since`) counts only when it holds a value, so
    # a record delivered with it empty hashes as it did in drops of the earlier version
    later = "".join(f" || coalesce(chr(31) || {lit(c.name + '=')} || {ident(c.name)}, '')"
                    for c in sf.table.columns if c.name in header and c.since)
    rejects, scans = f"{name}_rejects", f"{name}_scans"
    # columns a system variant lacks (allowed by check_header) are stored empty
    absent = "".join(f", null::varchar as {ident(c)}" for c in sf.table.column_names
                     if c not in header)
    try:
        con.execute(
            f"""create or replace temp table {name} as
                select *{absent}, {key} as _record_key,
                       md5(concat_ws(chr(31), {hashed}){later}) as _row_hash
                from read_csv({lit(str(sf.path))}, header = true,
                              columns = {{{columns}}}, auto_detect = false, delim = ',',
                              quote = '"', escape = '"', strict_mode = true,
                              store_rejects = true, rejects_table = '{rejects}',
                              rejects_scan = '{scans}', rejects_limit = {REJECTS_LIMIT})""")
    except duckdb.Error as exc:
        return [Problem(sf.relative, "unreadable-csv", detail=str(exc).splitlines()[0])]
    sf.staged = name
    sf.rows = con.execute(f"select count(*) from {name}").fetchone()[0]
    rows = con.execute(
        f"""select line, column_name, error_type, csv_line, error_message
            from {rejects} order by line""").fetchall()
    con.execute(f"drop table if exists {rejects}")
    con.execute(f"drop table if exists {scans}")
    # The reader may set a row aside more than once (it retries a row it cannot parse):
    # one problem per row, the last word on it.
    rows = list({line: (line, *rest) for line, *rest in rows}.values())
    found: dict[tuple[str, str | None], list[Problem]] = {}
    last = len(rows) - 1
    for i, (row, column, error_type, csv_line, message) in enumerate(rows):
        text = (csv_line or "").rstrip("\r\n")
        truncated = (i == last and not sf.facts.ends_with_newline and sf.facts.last_line
                     and text.endswith(sf.facts.last_line)
                     and error_type in ("MISSING COLUMNS", "UNQUOTED VALUE"))
        if truncated:
            rule, detail, column = "truncated-file", (
                "the last row is incomplete and the file has no final newline: it was cut "
                f"off while being written or copied ({message})"), None
        elif error_type in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
            rule, detail = "ragged-row", f"{message}; the header has {len(header)} columns"
            column = None  # the whole row is off, not one column
        elif error_type == "UNQUOTED VALUE":
            rule, detail = "broken-quoting", (
                f"{message} A value holding a comma, quote or newline must be wrapped in "
                'double quotes, with any " inside it doubled ("")')
        else:
            rule, detail = "unreadable-csv", f"{error_type}: {message}"
        found.setdefault((rule, column), []).append(Problem(
            sf.relative, rule, row=row, column=column, value=text[:200], detail=detail,
            sensitive=_sensitive(sf.table, None)))
    # Many rows broken the same way (a wrong delimiter, say): report the first few rows
    # one by one, then one line with the count.
    problems = []
    for same in found.values():
        problems += same[:EXAMPLE_ROWS]
        if len(same) > EXAMPLE_ROWS:
            first = same[EXAMPLE_ROWS]
            problems.append(replace(first, detail=first.detail + (
                f"; {len(same) - EXAMPLE_ROWS:,} more rows like this after it"
                + (" (the reader stops listing at 10,000)" if len(rows) >= REJECTS_LIMIT
                   else "")), rows_affected=len(same) - EXAMPLE_ROWS,
                example_rows=tuple(p.row for p in same[EXAMPLE_ROWS:2 * EXAMPLE_ROWS]
                                   if p.row is not None)))
    return sorted(problems, key=lambda p: p.row or 0)


def _value_rules(column: Column, latest: str) -> list[tuple[str, str, str]]:
    """(rule, SQL condition true when the value breaks it, detail) for one column."""
    v = ident(column.name)
    rules: list[tuple[str, str, str]] = []
    if column.required:
        rules.append(("required", f"nullif(trim({v}), '') is null", ""))
    present = f"{v} is not null"
    if column.name == "la_code":
        rules.append(("la-code", f"{present} and not regexp_full_match({v}, '[0-9]{{3}}')",
                      "e.g. 808 for Stockton-on-Tees"))
    elif column.type == "id":
        rules.append(("spreadsheet-mangled-id",
                      f"{present} and contains({v}, '+') and "
                      f"regexp_full_match({v}, '[0-9](\\.[0-9]+)?[eE]\\+[0-9]+')",
                      "ids are text: export them without opening the file in a spreadsheet"))
    if column.type == "int":
        rules.append(("not-an-integer", f"{present} and not regexp_full_match({v}, '-?[0-9]+')",
                      ""))
    elif column.type == "flag":
        rules.append(("not-a-flag", f"{present} and {v} not in ('Y', 'N')", ""))
    elif column.type == "code" and column.codes:
        codes = ", ".join(lit(c) for c in column.codes)
        rules.append(("not-in-code-list", f"{present} and {v} not in ({codes})",
                      f"code list {column.code_list}"))
    elif column.type == "codes" and column.codes:
        # several codes separated by `;`: every item must be a code of the list
        codes = ", ".join(lit(c) for c in column.codes)
        rules.append(("not-in-code-list",
                      f"{present} and not list_has_all([{codes}], "
                      f"string_split({v}, {lit(CODES_SEPARATOR)}))",
                      f"code list {column.code_list}"))
    elif column.type == "datetime":
        # SQL Server datetime text (SSD contract): the date, then optionally the time
        iso = (f"regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}"
               f"( [0-9]{{2}}:[0-9]{{2}}(:[0-9]{{2}}(\\.[0-9]{{1,7}})?)?)?')")
        dmy = f"regexp_full_match({v}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}( .*)?')"
        day = f"left({v}, 10)"
        rules += [
            ("dmy-date", f"{present} and {dmy}",
             "write datetimes as YYYY-MM-DD hh:mm:ss.fff"),
            ("not-a-date", f"{present} and not {iso} and not {dmy}",
             "SQL Server datetime text: YYYY-MM-DD hh:mm:ss.fff (or YYYY-MM-DD)"),
            ("impossible-date", f"{present} and {iso} and try_cast({v} as timestamp) is null",
             ""),
            ("implausible-date",
             f"{present} and {iso} and try_cast({v} as timestamp) is not null "
             f"and ({day} < '{EARLIEST_PLAUSIBLE.isoformat()}' or {day} > '{latest}')",
             f"plausible: {EARLIEST_PLAUSIBLE.isoformat()} to {latest}; leave an unknown or "
             "open date empty"),
        ]
    elif column.type == "date":
        iso = f"regexp_full_match({v}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}')"
        dmy = f"regexp_full_match({v}, '[0-9]{{1,2}}/[0-9]{{1,2}}/[0-9]{{4}}')"
        rules += [
            ("dmy-date", f"{present} and {dmy}", "write dates as YYYY-MM-DD"),
            ("not-a-date", f"{present} and not {iso} and not {dmy}", ""),
            ("impossible-date", f"{present} and {iso} and try_strptime({v}, '%Y-%m-%d') is null",
             ""),
            ("implausible-date",
             f"{present} and {iso} and try_strptime({v}, '%Y-%m-%d') is not null "
             f"and ({v} < '{EARLIEST_PLAUSIBLE.isoformat()}' or {v} > '{latest}')",
             f"plausible: {EARLIEST_PLAUSIBLE.isoformat()} to {latest}; leave an unknown or "
             "open date empty"),
        ]
    return rules


# Column types with few distinct values: their rules run once per distinct value.
FEW_VALUES = {"date", "datetime", "code", "codes", "flag", "int"}


def _checked_per_value(column: Column) -> bool:
    return column.type in FEW_VALUES or column.name == "la_code"


def _first_broken_rule(rules: list[tuple[str, str, str]]) -> str:
    """SQL naming the first rule a value breaks (NULL when it breaks none)."""
    return "case " + " ".join(f"when {cond} then {lit(rule)}" for rule, cond, _ in rules) + " end"


def _clean(column: Column) -> str:
    """A cheap predicate true for a value that breaks none of its column's row-level rules
    (ids and text: required, spreadsheet-mangled ids), so the rules run on the rest only."""
    v = ident(column.name)
    parts = []
    if column.required:
        parts.append(f"{v} is not null and ({v} >= '!' or trim({v}) <> '')")
    if column.type == "id":
        parts.append(f"{v} is null or not contains({v}, '+')")
    return " and ".join(f"({p})" for p in parts) or "true"


def check_values(con: duckdb.DuckDBPyConnection, sf: StagedFile, extract_date: str
                 ) -> list[Problem]:
    """Every value rule of every column of one file, set-based.

    Dates, codes, flags, integers and LA codes take few distinct values: their rules run
    once per distinct value, and only the rows holding a broken value are looked up. Ids
    and text (many distinct values, cheap rules) are filtered row by row with a cheap
    prefilter. One grouped result: per column and rule, the count and the first rows."""
    latest = (date.fromisoformat(extract_date) + LATEST_AFTER_EXTRACT).isoformat()
    header = set(sf.facts.header or [])
    details: dict[tuple[str, str], str] = {}
    per_value: list[tuple[Column, list[tuple[str, str, str]]]] = []
    per_row: list[tuple[Column, list[tuple[str, str, str]]]] = []
    for column in sf.table.columns:
        rules = _value_rules(column, latest) if column.name in header else []
        for rule, _, detail in rules:
            details[(column.name, rule)] = detail
        if rules:
            (per_value if _checked_per_value(column) else per_row).append((column, rules))
    staged = sf.staged
    branches = []
    if per_value:
        con.execute(
            "create or replace temp table _broken_values as select * from ("
            + " union all ".join(
                f"""select {lit(c.name)} as col, {ident(c.name)} as value,
                           {_first_broken_rule(rules)} as rule
                    from (select distinct {ident(c.name)} from {staged})"""
                for c, rules in per_value)
            + ") where rule is not null")
        broken_columns = {r[0] for r in con.execute(
            "select distinct col from _broken_values").fetchall()}
        branches += [
            f"""select s.rowid, b.col, b.rule, b.value from {staged} s
                join _broken_values b on b.col = {lit(c.name)}
                 and s.{ident(c.name)} is not distinct from b.value"""
            for c, _ in per_value if c.name in broken_columns]
    branches += [
        f"""select rowid, {lit(c.name)} as col, {_first_broken_rule(rules)} as rule,
                   {ident(c.name)} as value
            from {staged} where not ({_clean(c)})"""
        for c, rules in per_row]
    if not branches:
        return []
    con.execute(
        f"""create or replace temp table _broken as
            select * from ({" union all ".join(branches)}) where rule is not null""")
    con.execute("drop table if exists _broken_values")
    key = ", ".join(lit(c) for c in sf.table.key)
    # Record-level problems (not in a key column) are flagged row by row for the load.
    con.execute(f"""insert into _flags select {lit(sf.table.name)}, rowid, col, rule, value
                    from _broken where col not in ({key})""")
    rows = con.execute(
        f"""select col, rule, count(*) as n,
                   list(rowid + {sf.row_offset} order by rowid)[1:{EXAMPLE_ROWS}],
                   arg_min(value, rowid)
            from _broken group by all order by min(rowid), col""").fetchall()
    con.execute("drop table _broken")
    problems = []
    for column_name, rule, n, examples, value in rows:
        detail = details[(column_name, rule)]
        if rule == "not-in-code-list":
            detail = _code_hint(sf.table.column(column_name), value)
        problems.append(Problem(sf.relative, rule, row=examples[0], column=column_name,
                                value=value, detail=detail, rows_affected=n,
                                example_rows=tuple(examples),
                                sensitive=_sensitive(sf.table, column_name),
                                kind="structural" if column_name in sf.table.key else None))
    return problems


def _code_hint(column: Column, value: str | None) -> str:
    codes = list(column.codes or ())
    hint = ""
    if column.type == "codes" and value is not None:
        # name the item that is not a code (the first of them)
        items = value.split(CODES_SEPARATOR)
        value = next((item for item in items if item not in codes), value)
        hint = f"; {value!r} is not a code"
    exact = [c for c in codes if value is not None and c.lower() == value.strip().lower()]
    if exact:
        hint += f"; did you mean {exact[0]!r}?"
    else:
        close = difflib.get_close_matches(value or "", codes, n=1, cutoff=0.6)
        if close:
            hint += f"; did you mean {close[0]!r}?"
    shown = ", ".join(codes[:12]) + (", ..." if len(codes) > 12 else "")
    return f"code list {column.code_list}: {shown}{hint}"


def check_keys(con: duckdb.DuckDBPyConnection, sf: StagedFile) -> list[Problem]:
    """Primary-key duplicates within the file (one aggregate). Rows repeated whole (every
    value identical) are a record-level `duplicate-row`: the copies after the first are
    flagged (the load keeps one). Rows sharing a key with different values are a
    structural `duplicate-key`: which one is the record cannot be known."""
    key = ", ".join(ident(c) for c in sf.table.key)
    if not con.execute(f"select count(_record_key) - count(distinct _record_key) "
                       f"from {sf.staged}").fetchone()[0]:
        return []
    not_null = " and ".join(f"{ident(c)} is not null" for c in sf.table.key)
    problems = []
    copies = con.execute(
        f"""select count(*), min(rowid + {sf.row_offset}),
                   list(rowid + {sf.row_offset} order by rowid)[1:{EXAMPLE_ROWS}],
                   arg_min(_record_key, rowid)
            from (select rowid, _record_key,
                         row_number() over (partition by _record_key order by rowid) as copy,
                         count(distinct _row_hash) over (partition by _record_key) as versions
                  from {sf.staged} where {not_null})
            where copy > 1 and versions = 1""").fetchone()
    if copies[0]:
        con.execute(
            f"""insert into _flags
                select {lit(sf.table.name)}, rowid, null, 'duplicate-row', null
                from (select rowid,
                             row_number() over (partition by _record_key, _row_hash
                                                order by rowid) as copy,
                             count(distinct _row_hash) over (partition by _record_key) as v
                      from {sf.staged} where {not_null})
                where copy > 1 and v = 1""")
        problems.append(Problem(
            sf.relative, "duplicate-row", row=copies[1], column=None, value=copies[3],
            detail="every value repeats an earlier row; one copy is loaded",
            rows_affected=copies[0], example_rows=tuple(copies[2])))
    rows = con.execute(
        f"""select _record_key, count(*) as n,
                   list(rowid + {sf.row_offset} order by rowid)[1:{EXAMPLE_ROWS}]
            from {sf.staged}
            where {not_null}
            group by _record_key having count(*) > 1 and count(distinct _row_hash) > 1
            order by min(rowid) limit 20""").fetchall()
    total = con.execute(
        f"""select count(*) from (select 1 from {sf.staged} group by {key}
            having count(*) > 1 and count(distinct _row_hash) > 1)""").fetchone()[0] \
        if rows else 0
    for record_key, n, examples in rows:
        problems.append(Problem(
            sf.relative, "duplicate-key", row=examples[1], column=", ".join(sf.table.key),
            value=record_key, detail=(f"{n} rows share this key, at rows "
                                      + ", ".join(str(r) for r in examples)
                                      + (f"; {total} duplicated keys in all" if total > 1
                                         else ""))))
    return problems


def check_parents(con: duckdb.DuckDBPyConnection, drop: CheckedDrop) -> list[Problem]:
    """References to a parent record (contract option `parent`) absent from the same drop,
    matched within the same LA. One anti-join per reference."""
    problems = []
    for sf in drop.files.values():
        if sf.staged is None:
            continue
        for column in sf.table.columns:
            if column.parent is None:
                continue
            parent = drop.files.get(column.parent[0])
            if parent is None or not sf.rows:
                continue
            v, pv = ident(column.name), ident(column.parent[1])
            if parent.staged is not None:
                parent_rows = parent.staged
            elif parent.facts.header is not None and not parent.facts.has_rows:
                parent_rows = f"(select null::varchar as la_code, null::varchar as {pv} limit 0)"
            else:
                continue  # the parent file could not be read: its own problems say why
            con.execute(
                f"""create or replace temp table _orphans as
                    select c.rowid, c.la_code, c.{v} as value
                    from {sf.staged} c anti join {parent_rows} p
                      on p.la_code = c.la_code and p.{pv} = c.{v}
                    where c.{v} is not null""")
            rows = con.execute(
                f"""select count(*) over () as n, rowid + {sf.row_offset} as row_number,
                           la_code, value
                    from _orphans order by row_number limit {EXAMPLE_ROWS}""").fetchall()
            in_key = column.name in sf.table.key
            if rows and not in_key:
                con.execute(f"""insert into _flags select {lit(sf.table.name)}, rowid,
                                       {lit(column.name)}, 'missing-parent', value
                                from _orphans""")
            con.execute("drop table _orphans")
            if not rows:
                continue
            n, first_row, la_code, value = rows[0]
            detail = (f"{column.parent[1]} {value!r} of LA {la_code} is not in "
                      f"{parent.relative}")
            # Leading zeros lost on the way (ids opened in a spreadsheet)?
            padded = con.execute(
                f"""select {pv} from {parent_rows}
                    where la_code = ? and ltrim({pv}, '0') = ltrim(?, '0') and {pv} <> ?
                    limit 1""", [la_code, value, value]).fetchone()
            if padded:
                detail += (f"; it has {padded[0]!r}: leading zeros were lost (ids are text: "
                           "never let a spreadsheet turn them into numbers)")
            problems.append(Problem(sf.relative, "missing-parent", row=first_row,
                                    column=column.name, value=value, detail=detail,
                                    rows_affected=n,
                                    example_rows=tuple(r[1] for r in rows),
                                    kind="structural" if in_key else None))
    return problems


def check_date_order(con: duckdb.DuckDBPyConnection, sf: StagedFile) -> list[Problem]:
    """An end date (contract `date_order`) before its start, where both are real dates not
    already flagged by another rule."""
    problems = []
    for start, end in sf.table.date_order:
        header = sf.facts.header or []
        if start not in header or end not in header:
            continue
        s, e = ident(start), ident(end)
        con.execute(
            f"""create or replace temp table _disorder as
                select rowid, {e} as value, {s} as start_value from {sf.staged} t
                where try_strptime(left({e}, 10), '%Y-%m-%d')
                      < try_strptime(left({s}, 10), '%Y-%m-%d')
                  and not exists (select 1 from _flags f
                                  where f.tbl = {lit(sf.table.name)} and f.rid = t.rowid
                                    and f.col in ({lit(start)}, {lit(end)}))""")
        n, examples, value, start_value = con.execute(
            f"""select count(*), list(rowid + {sf.row_offset} order by rowid)[1:{EXAMPLE_ROWS}],
                       arg_min(value, rowid), arg_min(start_value, rowid)
                from _disorder""").fetchone()
        if n:
            con.execute(f"""insert into _flags select {lit(sf.table.name)}, rowid,
                                   {lit(end)}, 'end-before-start', value from _disorder""")
            problems.append(Problem(sf.relative, "end-before-start", row=examples[0],
                                    column=end, value=value, rows_affected=n,
                                    example_rows=tuple(examples),
                                    detail=f"{start} is {start_value!r}"))
        con.execute("drop table _disorder")
    return problems


def check_share(con: duckdb.DuckDBPyConnection, drop: CheckedDrop,
                share: float) -> list[Problem]:
    """More than `share` of one file's rows with record-level problems: the file (so the
    drop) cannot be trusted."""
    problems = []
    counts = dict(con.execute("select tbl, count(distinct rid) from _flags group by tbl")
                  .fetchall())
    for sf in drop.files.values():
        n = counts.get(sf.table.name, 0)
        if sf.rows and n / sf.rows > share:
            problems.append(Problem(sf.relative, "too-many-problems", value=None, detail=(
                f"{n:,} of {sf.rows:,} rows ({n / sf.rows:.1%}) have record-level problems, "
                f"more than the {share:.1%} allowed (CSC_MAX_PROBLEM_SHARE): an export this "
                "broken is refused whole")))
    return problems


def check_drop(con: duckdb.DuckDBPyConnection, landing: Path, extract_date: str,
               contract: Contract) -> CheckedDrop:
    """Run every check on one drop. Files that pass their byte and header checks are left
    staged in temp tables `_staged_<table>` for the merge; nothing is written to the
    database itself."""
    drop = CheckedDrop(extract_date)
    drop_dir = landing / extract_date
    # Record-level problems, one row per (file, row, column, rule): what the load treats.
    con.execute("""create or replace temp table _flags (
                       tbl varchar, rid bigint, col varchar, rule varchar, value varchar)""")
    for table in contract.tables.values():
        path = drop_dir / table.relative_path
        relative = f"{extract_date}/{table.relative_path}"
        if not path.is_file():
            if not table.optional:
                drop.problems.append(Problem(relative, "missing-file", detail=(
                    f"the contract requires {table.relative_path} in every drop")))
            continue
        sf = StagedFile(table=table, path=path, relative=relative, facts=sniff_file(path))
        drop.files[table.name] = sf
        byte_problems = check_bytes(sf)
        drop.problems += byte_problems
        if sf.facts.header is None or sf.facts.looks_like_utf16:
            continue
        header_problems = check_header(sf)
        drop.problems += header_problems
        fatal_header = any(p.rule in ("missing-column", "duplicate-column")
                           for p in header_problems)
        if fatal_header or sf.facts.bad_bytes is not None or sf.facts.blank_lines_before_header:
            continue  # rows cannot be read reliably: report what is known, check rows later
        if not sf.facts.has_rows:
            continue  # header only: nothing to read or check row by row
        structure = stage_file(con, sf, f"_staged_{table.name}")
        drop.problems += structure
        if sf.staged is not None and sf.rows:
            drop.problems += check_values(con, sf, extract_date)
            drop.problems += check_keys(con, sf)
    expected = {drop_dir / t.relative_path for t in contract.tables.values()}
    for path in sorted(drop_dir.rglob("*.csv")) if drop_dir.is_dir() else []:
        if path not in expected:
            drop.problems.append(Problem(
                f"{extract_date}/{path.relative_to(drop_dir).as_posix()}", "unexpected-file",
                detail=("not a file of the extract contract (docs/extract-contract.md): a "
                        "new table needs a new contract version; a misnamed file, its "
                        "contract name")))
    drop.problems += check_parents(con, drop)
    for sf in drop.files.values():
        if sf.staged is not None and sf.rows:
            drop.problems += check_date_order(con, sf)
    drop.problems += check_share(con, drop, max_problem_share())
    return drop


def drop_staged(con: duckdb.DuckDBPyConnection, drop: CheckedDrop) -> None:
    for sf in drop.files.values():
        if sf.staged:
            con.execute(f"drop table if exists {sf.staged}")
            sf.staged = None
    con.execute("drop table if exists _flags")
