"""The extract contract (csc/contract.yml) as Python objects.

Read once; used by the generator (what to write), the loader (what to check) and the
docs. Nothing else in the project restates table or column names of the extracts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from csc.config import read_yaml

CONTRACT_FILE = Path(__file__).with_name("contract.yml")
COLUMN_TYPES = {"id", "text", "date", "int", "flag", "code", "codes"}
# `codes`: several codes of one list in one value, separated by CODES_SEPARATOR
CODES_SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    codes: tuple[str, ...] | None = None
    code_list: str | None = None
    parent: tuple[str, str] | None = None  # (table, column) within the same drop
    pii: bool = False
    # The system variants whose files hold this column (SSD contract, csc/ssd_contract.py);
    # None: every file must hold it. A column with variants may be absent from a file.
    variants: tuple[str, ...] | None = None
    # The contract version that added this column (None: the first). A file from a drop of
    # an earlier version lacks it: it still loads, the column empty (csc.load.checks).
    since: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    system: str  # raise | caf | reference | ssd
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    optional: bool = False
    date_order: tuple[tuple[str, str], ...] = field(default=())

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def relative_path(self) -> str:
        """Path of this table's file inside a drop folder."""
        return f"{self.system}/{self.name}.csv"


@dataclass(frozen=True)
class Contract:
    version: int
    tables: dict[str, Table]
    code_lists: dict[str, tuple[str, ...]]

    def table(self, name: str) -> Table:
        return self.tables[name]

    def required_tables(self) -> list[Table]:
        return [t for t in self.tables.values() if not t.optional]


@cache
def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    raw = read_yaml(path)
    code_lists = {k: tuple(str(v) for v in vals) for k, vals in raw["code_lists"].items()}
    date_order = raw.get("date_order", {})
    tables: dict[str, Table] = {}
    for name, spec in raw["tables"].items():
        columns = []
        for col_name, col_type, opts in spec["columns"]:
            if col_type not in COLUMN_TYPES:
                raise ValueError(f"contract: {name}.{col_name} has unknown type {col_type!r}")
            list_name = opts.get("codes")
            if col_type in ("code", "codes") and not list_name:
                raise ValueError(f"contract: {name}.{col_name} ({col_type}) names no code list")
            parent = tuple(opts["parent"].split(".")) if opts.get("parent") else None
            columns.append(
                Column(
                    name=col_name,
                    type=col_type,
                    required=bool(opts.get("required", False)),
                    codes=code_lists[list_name] if list_name else None,
                    code_list=list_name,
                    parent=parent,  # type: ignore[arg-type]
                    pii=bool(opts.get("pii", False)),
                    since=int(opts["since"]) if opts.get("since") else None,
                )
            )
        tables[name] = Table(
            name=name,
            system=spec["system"],
            key=tuple(spec["key"]),
            columns=tuple(columns),
            optional=bool(spec.get("optional", False)),
            date_order=tuple(tuple(p) for p in date_order.get(name, [])),  # type: ignore[misc]
        )
    return Contract(version=int(raw["version"]), tables=tables, code_lists=code_lists)
