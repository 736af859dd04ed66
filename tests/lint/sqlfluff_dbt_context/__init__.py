"""What dbt puts in a model's Jinja context, for sqlfluff's jinja templater (`make lint`).

sqlfluff's `apply_dbt_builtins` gives ref, source, config, var, is_incremental and this;
the models and macros also use adapter.dispatch, dbt's cross-database macros (dbt.cast,
dbt.dateadd...), target, execute, flags, env_var and exceptions. pyproject.toml names this
folder as the templater's `library_path`: every public name below becomes a Jinja global.
It renders the models as dbt-duckdb compiles them, closely enough to lint the SQL around
the Jinja (sqlfluff does not lint the templated parts themselves), without a database or a
dbt parse. A model using a dbt macro not emulated here fails to lint with a message saying
so: add it to _DBT_MACROS.
"""

import os as _os
from pathlib import Path as _Path

import jinja2 as _jinja2
import yaml as _yaml
from sqlfluff.core.templaters.builtins.dbt import MacroReturn as _MacroReturn

_ADAPTER_TYPE = "duckdb"
_PROJECT_DIR = _Path(__file__).resolve().parents[3]


def _project_macro(context, name):
    """The project's duckdb__<name> or default__<name> macro, as dbt's dispatch finds it."""
    for prefix in (f"{_ADAPTER_TYPE}__", "default__"):
        found = context.resolve_or_missing(prefix + name)
        if found is not _jinja2.runtime.missing:
            return found
    return None


def env_var(name, default=None):
    value = _os.environ.get(name, default)
    if value is None:
        raise _jinja2.TemplateRuntimeError(f"env_var: {name} is not set and has no default")
    return value


def _project_vars():
    project = _yaml.safe_load((_PROJECT_DIR / "dbt_project.yml").read_text())
    rendering = _jinja2.Environment()
    return {
        name: rendering.from_string(value).render(env_var=env_var)
        if isinstance(value, str) else value
        for name, value in (project.get("vars") or {}).items()
    }


_VARS = _project_vars()


def var(name, default=None):
    """dbt_project.yml's vars; like dbt, an unknown var without a default is an error."""
    if name in _VARS:
        return _VARS[name]
    if default is None:
        raise _jinja2.TemplateRuntimeError(f"var: {name} is not in dbt_project.yml vars")
    return default


class _Relation:
    def __init__(self, schema, identifier):
        self.schema = schema
        self.identifier = identifier
        self.is_table = True

    def __str__(self):
        return f"{self.schema}.{self.identifier}"


class _Adapter:
    @_jinja2.pass_context
    def dispatch(self, context, macro_name, macro_namespace=None):
        macro = _project_macro(context, macro_name)
        if macro is None and macro_namespace == "dbt" and macro_name in _DBT_MACROS:
            return _DBT_MACROS[macro_name]
        if macro is None:
            raise _jinja2.TemplateRuntimeError(
                f"adapter.dispatch: no {_ADAPTER_TYPE}__ or default__{macro_name} macro")
        return macro

    def quote(self, identifier):
        return f'"{identifier}"'

    def get_relation(self, database=None, schema=None, identifier=None):
        return _Relation(schema, identifier)


def _dateadd(datepart, interval, from_date_or_timestamp):
    return (f"({from_date_or_timestamp} + cast({interval} as bigint)"
            f" * interval 1 {datepart.lower()})")


def _date_spine(datepart, start_date, end_date):
    # dbt's default__date_spine is a numbered cross join of unions; the same output column
    # from DuckDB's range() is enough to lint the SQL around it.
    return (f"select cast(range as date) as date_{datepart}"
            f" from range({start_date}, {end_date}, interval 1 {datepart})")


# dbt's cross-database macros as dbt-duckdb renders them (dbt/include/*/macros/utils).
_DBT_MACROS = {
    "type_string": lambda: "varchar",
    "type_int": lambda: "integer",
    "type_bigint": lambda: "bigint",
    "type_float": lambda: "float",
    "type_boolean": lambda: "boolean",
    "type_timestamp": lambda: "timestamp",
    "cast": lambda field, type: f"cast({field} as {type})",
    "safe_cast": lambda field, type: f"cast({field} as {type})",
    "concat": lambda fields: " || ".join(fields),
    "hash": lambda field: f"md5(cast({field} as varchar))",
    "right": lambda string_text, length_expression: (
        f"right({string_text}, {length_expression})"),
    "dateadd": _dateadd,
    "datediff": lambda first_date, second_date, datepart: (
        f"(date_diff('{datepart}', {first_date}::timestamp, {second_date}::timestamp))"),
    "bool_or": lambda expression: f"bool_or({expression})",
    "any_value": lambda expression: f"arbitrary({expression})",
    "escape_single_quotes": lambda expression: expression.replace("'", "''"),
    "date_spine": _date_spine,
}


class _DbtNamespace:
    """`dbt.<macro>`: the project's own duckdb__/default__ version first (dbt's dispatch
    searches the root project before dbt), else the emulation above."""

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)

        @_jinja2.pass_context
        def call(context, *args, **kwargs):
            macro = _project_macro(context, name)
            if macro is not None:
                try:
                    return macro(*args, **kwargs)
                except _MacroReturn as returned:
                    return returned.value
            if name not in _DBT_MACROS:
                raise _jinja2.TemplateRuntimeError(
                    f"dbt.{name} is not emulated for linting: add it to {__file__}")
            return _DBT_MACROS[name](*args, **kwargs)

        return call


class _Target:
    type = _ADAPTER_TYPE
    name = _ADAPTER_TYPE
    profile_name = "csc"
    database = "csc"
    schema = "main"


class _Flags:
    FULL_REFRESH = False


class _Exceptions:
    def raise_compiler_error(self, message):
        raise _jinja2.TemplateRuntimeError(message)


adapter = _Adapter()
dbt = _DbtNamespace()
target = _Target()
flags = _Flags()
exceptions = _Exceptions()
# As in `dbt build`, not `dbt parse`: macros that read the database (stored_computations)
# render their executing branch.
execute = True
