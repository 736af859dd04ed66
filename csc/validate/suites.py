"""The validation suites as data: `expectations/suites/*.yml` read into batches and rules.

A suite holds two kinds of checks (see expectations/README.md):

- a **batch**: a DuckDB query whose result GX validates with declared GX Core expectations;
- a **rule**: a DuckDB query returning the rows that violate it; GX expects none.

Rule queries are Jinja templates. A rule is expanded once per *variant* (e.g. the latest and
the as-reported measure table) or once per item of the extract contract (`for_each`), so
the raw-data rules are derived from `csc/contract.yml`, never hand-listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from csc.config import read_yaml
from csc.contract import CODES_SEPARATOR, Contract, load_contract

SEVERITIES = ("critical", "warning")


@dataclass(frozen=True)
class Relaxations:
    """Temporary relaxations (expectations/transitional.yml) while the marts are completed.

    allow_missing_tables: mart tables whose absence is a warning, not a failure.
    tolerate_absent_measures: a catalogue measure with no rows at all is not a failure.
    """

    allow_missing_tables: frozenset[str] = frozenset()
    tolerate_absent_measures: bool = False

    @classmethod
    def strict(cls) -> Relaxations:
        return cls()

    @classmethod
    def load(cls, path: Path) -> Relaxations:
        if not path.exists():
            return cls()
        raw = read_yaml(path) or {}
        return cls(allow_missing_tables=frozenset(raw.get("allow_missing_tables", [])),
                   tolerate_absent_measures=bool(raw.get("tolerate_absent_measures", False)))

    @property
    def active(self) -> bool:
        return bool(self.allow_missing_tables) or self.tolerate_absent_measures


@dataclass(frozen=True)
class Batch:
    """A query result validated by GX expectations (`{"type": ..., "kwargs": {...}}`)."""

    suite: str
    name: str
    query: str
    expectations: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Rule:
    """A violation query: every row it returns breaks the rule."""

    suite: str
    name: str
    description: str
    query: str
    severity: str = "critical"
    # The same rule on what the drops loaded since the last passed validation can have
    # moved (csc.validate.scope); None when the rule has no such form (the whole query).
    scoped_query: str | None = None


@dataclass
class Suite:
    name: str
    description: str
    batches: list[Batch] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    @property
    def expectation_count(self) -> int:
        return sum(len(b.expectations) for b in self.batches) + len(self.rules)


def _sql_list(values: Any) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


_JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
_JINJA.filters["sql_list"] = _sql_list


def render(template: str, variables: dict[str, Any]) -> str:
    return _JINJA.from_string(template).render(**variables)


def _fill_placeholders(value: Any, placeholders: dict[str, Any]) -> Any:
    """Replace `$name` strings in expectation kwargs by run-time values (e.g. measure ids)."""
    if isinstance(value, str) and value.startswith("$"):
        if value[1:] not in placeholders:
            raise ValueError(f"unknown placeholder {value} (known: {sorted(placeholders)})")
        return placeholders[value[1:]]
    if isinstance(value, dict):
        return {k: _fill_placeholders(v, placeholders) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_placeholders(v, placeholders) for v in value]
    return value


def _flatten(items: list[Any]) -> list[dict[str, Any]]:
    """Expectation lists may include a YAML alias of another list (shared expectations)."""
    flat: list[dict[str, Any]] = []
    for item in items:
        flat.extend(_flatten(item) if isinstance(item, list) else [item])
    return flat


def contract_items(kind: str, contract: Contract) -> list[tuple[str, dict[str, Any]]]:
    """(name suffix, template variables) for each contract item a `for_each` rule covers."""
    items: list[tuple[str, dict[str, Any]]] = []
    for table in contract.tables.values():
        if kind == "table":
            items.append((table.name, {"table": table.name, "key": list(table.key)}))
        elif kind == "required":
            items += [(f"{table.name}.{c.name}", {"table": table.name, "column": c.name})
                      for c in table.columns if c.required and c.name not in table.key]
        elif kind == "code_column":
            items += [(f"{table.name}.{c.name}",
                       {"table": table.name, "column": c.name, "codes": list(c.codes),
                        "code_list": c.code_list,
                        # `codes` columns: several codes, each must be in the list
                        "separator": CODES_SEPARATOR if c.type == "codes" else None})
                      for c in table.columns if c.codes]
        elif kind == "date_pair":
            items += [(f"{table.name}.{end}", {"table": table.name, "start": start, "end": end})
                      for start, end in table.date_order]
        elif kind == "parent":
            items += [(f"{table.name}.{c.name}",
                       {"table": table.name, "column": c.name, "parent_table": c.parent[0],
                        "parent_column": c.parent[1]})
                      for c in table.columns if c.parent]
        else:
            raise ValueError(f"unknown for_each {kind!r} (table, required, code_column, "
                             "date_pair, parent)")
    return items


def _same_computation(computation: str) -> Any:
    def join(a: str, b: str) -> str:
        columns = [c.strip() for c in computation.split(",") if c.strip()]
        return " and ".join(f"{a}.{c} = {b}.{c}" for c in columns) or "true"
    return join


# Template variables of a rule's scoped form: the load ids of the drops loaded since the
# last passed validation, and their extract dates (a version closed by one of them carries
# it in _valid_to). None in the whole query.
SCOPE_VARIABLES = ("new_loads", "new_extracts")


def _expand_rule(suite: str, spec: dict[str, Any], definition: dict[str, Any],
                 relaxations: Relaxations, contract: Contract,
                 scope: dict[str, Any] | None = None) -> list[Rule]:
    severity = spec.get("severity", definition.get("severity", "critical"))
    if severity not in SEVERITIES:
        raise ValueError(f"suite {suite}, rule {spec['name']}: severity must be one of "
                         f"{SEVERITIES}")
    base = {**definition.get("params", {}),
            "tolerate_absent_measures": relaxations.tolerate_absent_measures}
    expansions: list[tuple[str, dict[str, Any]]]
    if "variants" in spec:
        variants = definition.get("variants", {}).get(spec["variants"])
        if variants is None:
            raise ValueError(f"suite {suite}, rule {spec['name']}: no variants "
                             f"{spec['variants']!r}")
        expansions = [(v["table"], {**v, "same_computation": _same_computation(
            v.get("computation", ""))}) for v in variants]
    elif "for_each" in spec:
        expansions = contract_items(spec["for_each"], contract)
    else:
        expansions = [("", {})]
    rules = []
    for suffix, variables in expansions:
        name = spec["name"]
        if suffix:
            name += f"[{suffix}]" if "variants" in spec else f":{suffix}"
        whole = render(spec["query"], {**base, **variables,
                                       **dict.fromkeys(SCOPE_VARIABLES)})
        scoped = (render(spec["query"], {**base, **variables, **scope})
                  if scope is not None else None)
        rules.append(Rule(suite=suite, name=name,
                          description=" ".join(str(spec.get("description", "")).split()),
                          query=whole, severity=severity,
                          scoped_query=scoped if scoped != whole else None))
    return rules


def load_suites(suites_dir: Path, placeholders: dict[str, Any],
                relaxations: Relaxations | None = None,
                contract: Contract | None = None,
                scope: dict[str, Any] | None = None) -> list[Suite]:
    """Every suite in `suites_dir/*.yml`, in file-name order, with its templates expanded.

    `scope`: values of SCOPE_VARIABLES to render each rule's scoped form with as well."""
    relaxations = relaxations or Relaxations.strict()
    contract = contract or load_contract()
    suites = []
    for path in sorted(suites_dir.glob("*.yml")):
        definition = read_yaml(path)
        name = definition["suite"]
        suite = Suite(name=name, description=definition.get("description", ""))
        for spec in definition.get("batches", []):
            expectations = tuple(_fill_placeholders(e, placeholders)
                                 for e in _flatten(spec["expectations"]))
            suite.batches.append(Batch(suite=name, name=spec["name"], query=spec["query"],
                                       expectations=expectations))
        for spec in definition.get("rules", []):
            suite.rules += _expand_rule(name, spec, definition, relaxations, contract, scope)
        names = [r.name for r in suite.rules]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise ValueError(f"{path}: rule names repeated: {sorted(duplicated)}")
        suites.append(suite)
    return suites
