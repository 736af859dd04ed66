"""The SSD contract (csc/ssd_contract.yml) as the same Python objects as the RAISE/CAF one.

A landing folder holds drops of one source: `raise` (the RAISE/CAF extract,
csc/contract.yml) or `ssd` (the Standard Safeguarding Dataset). Both contracts are
`csc.contract.Contract`s, so the loader checks and keeps history of either the same way;
`contract_for(source)` gives a source's contract and `landing_source` says which source a
landing folder holds (docs/sources.md).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from csc.config import read_yaml
from csc.contract import COLUMN_TYPES, Column, Contract, Table, load_contract

SSD_CONTRACT_FILE = Path(__file__).with_name("ssd_contract.yml")
SSD_COLUMN_TYPES = COLUMN_TYPES | {"datetime", "json", "number"}
SOURCES = ("raise", "ssd")
SSD_SYSTEM = "ssd"


@cache
def ssd_variants(path: Path = SSD_CONTRACT_FILE) -> tuple[str, ...]:
    return tuple(read_yaml(path)["variants"])


@cache
def load_ssd_contract(path: Path = SSD_CONTRACT_FILE) -> Contract:
    """The SSD tables (folder `ssd/` of a drop) and the optional reference tables, which an
    SSD landing may carry as a RAISE/CAF one does. Code lists not defined in the SSD file
    are the RAISE/CAF contract's (the DfE codes both hold)."""
    raw = read_yaml(path)
    base = load_contract()
    variants = set(raw["variants"])
    code_lists = {k: tuple(str(v) for v in vals) for k, vals in raw["code_lists"].items()}
    date_order = raw.get("date_order", {})
    tables: dict[str, Table] = {}
    used: dict[str, tuple[str, ...]] = {}
    for name, spec in raw["tables"].items():
        columns = []
        for col_name, col_type, opts in spec["columns"]:
            if col_type not in SSD_COLUMN_TYPES:
                raise ValueError(f"ssd contract: {name}.{col_name} has unknown type {col_type!r}")
            list_name = opts.get("codes")
            if list_name:
                codes = code_lists.get(list_name) or base.code_lists[list_name]
                used[list_name] = codes
            col_variants = tuple(opts["variants"]) if opts.get("variants") else None
            if col_variants and not set(col_variants) <= variants:
                raise ValueError(f"ssd contract: {name}.{col_name} names an unknown variant")
            if col_variants and opts.get("required"):
                raise ValueError(f"ssd contract: {name}.{col_name} is required but not in "
                                 "every variant")
            parent = tuple(opts["parent"].split(".")) if opts.get("parent") else None
            columns.append(Column(
                name=col_name, type=col_type, required=bool(opts.get("required", False)),
                codes=used[list_name] if list_name else None, code_list=list_name,
                parent=parent, pii=bool(opts.get("pii", False)),  # type: ignore[arg-type]
                variants=col_variants))
        tables[name] = Table(
            name=name, system=SSD_SYSTEM, key=tuple(spec["key"]), columns=tuple(columns),
            optional=bool(spec.get("optional", False)),
            date_order=tuple(tuple(p) for p in date_order.get(name, [])),  # type: ignore[misc]
        )
    for table in base.tables.values():
        if table.system == "reference":
            tables[table.name] = table
    return Contract(version=int(raw["version"]), tables=tables, code_lists=used)


def contract_for(source: str) -> Contract:
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}: one of {', '.join(SOURCES)}")
    return load_ssd_contract() if source == "ssd" else load_contract()


def drop_source(drop_dir: Path) -> str | None:
    """The source of one drop folder by its subfolders: `ssd` when it has `ssd/`, `raise`
    when it has `raise/` or `caf/`, None when it has neither."""
    if (drop_dir / SSD_SYSTEM).is_dir():
        return "ssd"
    if (drop_dir / "raise").is_dir() or (drop_dir / "caf").is_dir():
        return "raise"
    return None


def landing_source(landing: Path, loaded_files: list[str]) -> str:
    """The source a landing folder holds: that of the files already loaded from it
    (`loaded_files`, paths relative to the landing folder), else that of its oldest drop
    folder saying one, else `raise`. One landing, one source: a drop of the other source is
    then checked against this one's contract and refused (missing and unexpected files)."""
    for source_file in loaded_files:
        parts = source_file.split("/")
        if len(parts) > 1 and parts[1] != "reference":
            return "ssd" if parts[1] == SSD_SYSTEM else "raise"
    if landing.is_dir():
        for drop_dir in sorted(p for p in landing.iterdir() if p.is_dir()):
            source = drop_source(drop_dir)
            if source:
                return source
    return "raise"


def ssd_column_names(table: Table, variant: str) -> list[str]:
    """The columns a `variant` deployment writes to one SSD table, in file order."""
    return [c.name for c in table.columns if c.variants is None or variant in c.variants]
