"""Render the parts of the docs that restate the project's own data.

- docs/measures.md: the table of measures (id, title as printed, unit, period kind, polarity,
  tolerance, team source, definition) from the catalogue seed `seeds/process_model_measures.csv`;
- docs/extract-contract.md: the files of each source system, their columns, types, keys and
  code lists, from `csc/contract.yml`;
- docs/ssd-contract.md: the tables of the Standard Safeguarding Dataset (the second source),
  their columns, types, keys, codes and which system variants hold each column, from
  `csc/ssd_contract.yml`;
- docs/sources.md: which measures each source (RAISE/CAF extracts, the SSD) gives, and
  what the SSD lacks for the others, from the catalogue seed's `ssd_support` column;
- docs/loading.md: the loader's rules, their kind (structural or record-level) and what the
  warehouse does with a record breaking a record-level rule, from `csc/load_rules.yml`.

Each page is written by hand except between its two marker comments, where this module
writes. `python -m csc.docs` (`make docs`) renders them; tests/test_docs.py fails when a
committed page differs from what the seed and the contract render, so a definition or a
column is stated once and cannot drift.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from csc.config import PROJECT_DIR
from csc.contract import Contract, Table, load_contract

MEASURES_SEED = PROJECT_DIR / "seeds" / "process_model_measures.csv"
MEASURES_DOC = PROJECT_DIR / "docs" / "measures.md"
CONTRACT_DOC = PROJECT_DIR / "docs" / "extract-contract.md"
LOADING_DOC = PROJECT_DIR / "docs" / "loading.md"
SSD_CONTRACT_DOC = PROJECT_DIR / "docs" / "ssd-contract.md"
SOURCES_DOC = PROJECT_DIR / "docs" / "sources.md"

END_MARKER = "<!-- END generated -->"
SECTIONS = {"inputs": "Inputs", "processes": "Processes", "outputs": "Outputs",
            "beyond": "Beyond the report"}
# The catalogue's team_source: where a measure's team and worker breakdown comes from.
TEAM_SOURCE_WORDS = {"record": "record", "allocation": "allocation", "none": "no team"}
SYSTEMS = {"raise": "RAISE (case management)", "caf": "CAF database (early help)",
           "reference": "Reference tables (optional)"}
TYPE_WORDS = {"id": "id", "text": "text", "date": "date", "int": "whole number",
              "flag": "flag Y/N", "code": "code", "codes": "codes, `;`-separated",
              "datetime": "datetime text",
              "json": "JSON text", "number": "decimal number"}


def begin_marker(source: str) -> str:
    return (f"<!-- BEGIN generated from {source} by `make docs` (python -m csc.docs): "
            f"edit the source, not this part -->")


def _cell(value: object) -> str:
    """A Markdown table cell: one line, pipes escaped."""
    return " ".join(str(value).split()).replace("|", "\\|")


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return lines


def read_catalogue(path: Path = MEASURES_SEED) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def tolerance_words(unit: str, tolerance: str) -> str:
    """The tolerance as the direction of travel applies it: percentage points for a
    percent, percent of the previous value for a count or a rate."""
    value = f"{float(tolerance):g}"
    if unit != "percent":
        return f"{value}%"
    return f"{value} point" if value == "1" else f"{value} points"


def render_measures(catalogue: list[dict[str, str]]) -> str:
    """The measure tables, one per section, in report order."""
    unknown = {m["section"] for m in catalogue} - set(SECTIONS)
    if unknown:
        raise ValueError(f"catalogue: unknown section(s) {sorted(unknown)}")
    ordered = sorted(catalogue, key=lambda m: int(m["display_order"]))
    header = ["id", "title as printed", "unit", "period kind", "polarity", "tolerance",
              "team from", "definition"]
    lines: list[str] = []
    for section, heading in SECTIONS.items():
        rows = [[f"`{m['measure_id']}`", m["title"], m["unit"], m["period_kind"],
                 m["polarity"], tolerance_words(m["unit"], m["tolerance"]),
                 TEAM_SOURCE_WORDS[m["team_source"]], m["definition"]]
                for m in ordered if m["section"] == section]
        if rows:
            lines += ["", f"### {heading}", "", *_table(header, rows)]
    return "\n".join(lines[1:]) + "\n"


def ssd_support_words(rule: str) -> tuple[str, str]:
    """The catalogue's ssd_support as (what an SSD landing publishes, why not more)."""
    if rule == "yes":
        return "yes", ""
    kind, sep, reason = rule.partition(":")
    if not sep or kind not in ("no", "headline only") or not reason.strip():
        raise ValueError(f"catalogue: ssd_support {rule!r}: 'yes', 'no: <reason>' or "
                         "'headline only: <reason>'")
    words = "no" if kind == "no" else "LA figures only, no team or worker"
    return words, reason.strip()


def render_source_support(catalogue: list[dict[str, str]]) -> str:
    """Which measures each source gives, in report order (docs/sources.md)."""
    ordered = sorted(catalogue, key=lambda m: int(m["display_order"]))
    rows = []
    for m in ordered:
        words, reason = ssd_support_words(m["ssd_support"])
        rows.append([f"`{m['measure_id']}`", m["title"], "yes", words, reason])
    header = ["id", "title as printed", "RAISE/CAF", "SSD", "what the SSD lacks"]
    return "\n".join(_table(header, rows)) + "\n"


def _column_values(column) -> str:
    parts = []
    if column.code_list:
        parts.append(f"code list `{column.code_list}`")
    if column.parent:
        parts.append(f"refers to {column.parent[0]}.{column.parent[1]}")
    if getattr(column, "since", None):
        parts.append(f"since v{column.since} (may be absent from older drops)")
    return "; ".join(parts)


def _table_section(table: Table) -> list[str]:
    optional = " (optional in a drop)" if table.optional else ""
    lines = [f"#### `{table.relative_path}`{optional}", ""]
    rows = [[f"`{c.name}`", TYPE_WORDS[c.type], "key" if c.name in table.key else "",
             "yes" if c.required else "", _column_values(c),
             "yes: never published" if c.pii else ""]
            for c in table.columns]
    lines += _table(["column", "type", "key", "required", "values", "direct identifier"], rows)
    if table.date_order:
        pairs = "; ".join(f"{b} on or after {a}" for a, b in table.date_order)
        lines += ["", f"When present: {pairs}."]
    return lines


def render_contract(contract: Contract) -> str:
    """Files per source system, then the code lists, for contract version N."""
    lines = [f"Contract version {contract.version}.", ""]
    systems = list(dict.fromkeys(t.system for t in contract.tables.values()))
    for system in systems:
        tables = [t for t in contract.tables.values() if t.system == system]
        lines += [f"### {SYSTEMS.get(system, system.upper())}: `{system}/`", ""]
        lines += _table(["file", "key", "columns"],
                        [[f"`{t.relative_path}`" + (" (optional)" if t.optional else ""),
                          ", ".join(t.key), len(t.columns)] for t in tables])
        for table in tables:
            lines += ["", *_table_section(table)]
        lines.append("")
    used_by: dict[str, list[str]] = {name: [] for name in contract.code_lists}
    for table in contract.tables.values():
        for column in table.columns:
            if column.code_list:
                used_by[column.code_list].append(f"{table.name}.{column.name}")
    lines += ["### Code lists", ""]
    lines += _table(["list", "codes", "used by"],
                    [[f"`{name}`", ", ".join(codes), ", ".join(used_by[name])]
                     for name, codes in contract.code_lists.items()])
    return "\n".join(lines) + "\n"


def render_ssd_contract(contract: Contract, variants: tuple[str, ...]) -> str:
    """The SSD tables (folder `ssd/` of a drop), each column with the variants holding it;
    the optional reference tables are those of the RAISE/CAF contract."""
    tables = [t for t in contract.tables.values() if t.system == "ssd"]
    lines = [f"SSD contract version {contract.version}; system variants: "
             + ", ".join(f"`{v}`" for v in variants) + ".", ""]
    lines += _table(["file", "key", "columns"],
                    [[f"`{t.relative_path}`", ", ".join(t.key), len(t.columns)]
                     for t in tables])
    for table in tables:
        lines += ["", f"#### `{table.relative_path}`", ""]
        rows = [[f"`{c.name}`", TYPE_WORDS[c.type], "key" if c.name in table.key else "",
                 "yes" if c.required else "", _column_values(c),
                 "every variant" if c.variants is None
                 else ", ".join(c.variants) + " only (may be absent)",
                 "yes" if c.pii else ""]
                for c in table.columns]
        lines += _table(["column", "type", "key", "required", "values", "in", "direct identifier"],
                        rows)
        if table.date_order:
            pairs = "; ".join(f"{b} on or after {a}" for a, b in table.date_order)
            lines += ["", f"When present: {pairs}."]
    used = sorted({c.code_list for t in tables for c in t.columns if c.code_list})
    lines += ["", "#### Code lists", "",
              "Lists not shown here are the RAISE/CAF contract's (docs/extract-contract.md)."]
    own = [name for name in used if name not in load_contract().code_lists]
    if own:
        lines += [""] + _table(["list", "codes"], [[f"`{n}`", ", ".join(contract.code_lists[n])]
                                                   for n in own])
    return "\n".join(lines) + "\n"


def render_load_rules(book: dict | None = None) -> str:
    """The table of the loader's rules: kind and treatment (csc/load_rules.yml)."""
    from csc.load.problems import RULES, rule_book

    book = book or rule_book()
    rows = []
    for kind in ("structural", "record"):
        for rule, spec in book["rules"].items():
            if spec["kind"] == kind:
                rows.append([f"`{rule}`", RULES[rule],
                             "structural: the drop is refused" if kind == "structural"
                             else "record-level", spec.get("treatment", "")])
    lines = [f"Default share of a file's rows with record-level problems before the drop is "
             f"refused (`too-many-problems`): {book['max_problem_share']:.0%} "
             "(`CSC_MAX_PROBLEM_SHARE` overrides it, e.g. `0.02`).", ""]
    lines += _table(["rule", "what it says", "kind", "what the warehouse does with the record"],
                    rows)
    return "\n".join(lines) + "\n"


def replace_generated(page: str, source: str, generated: str) -> str:
    """`page` with the text between its markers for `source` replaced by `generated`."""
    begin = begin_marker(source)
    if page.count(begin) != 1 or page.count(END_MARKER) != 1:
        raise ValueError(f"the page must hold each marker once:\n{begin}\n{END_MARKER}")
    head, rest = page.split(begin)
    _, tail = rest.split(END_MARKER)
    return f"{head}{begin}\n{generated}{END_MARKER}{tail}"


def doc_files(contract: Contract | None = None,
              catalogue: list[dict[str, str]] | None = None,
              ssd_contract: Contract | None = None) -> dict[Path, str]:
    """Each generated page's path and the full text it should have."""
    from csc.ssd_contract import load_ssd_contract, ssd_variants

    contract = contract or load_contract()
    catalogue = read_catalogue() if catalogue is None else catalogue
    return {
        MEASURES_DOC: replace_generated(MEASURES_DOC.read_text(encoding="utf-8"),
                                        "seeds/process_model_measures.csv",
                                        render_measures(catalogue)),
        CONTRACT_DOC: replace_generated(CONTRACT_DOC.read_text(encoding="utf-8"),
                                        "csc/contract.yml", render_contract(contract)),
        SSD_CONTRACT_DOC: replace_generated(SSD_CONTRACT_DOC.read_text(encoding="utf-8"),
                                            "csc/ssd_contract.yml",
                                            render_ssd_contract(ssd_contract or
                                                                load_ssd_contract(),
                                                                ssd_variants())),
        SOURCES_DOC: replace_generated(SOURCES_DOC.read_text(encoding="utf-8"),
                                       "seeds/process_model_measures.csv",
                                       render_source_support(catalogue)),
        LOADING_DOC: replace_generated(LOADING_DOC.read_text(encoding="utf-8"),
                                       "csc/load_rules.yml", render_load_rules()),
    }


def main() -> int:
    for path, text in doc_files().items():
        if path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(PROJECT_DIR)}")
        else:
            print(f"unchanged {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
