{#- SQL that differs between engines, one macro per idea, dispatched per adapter
    (`adapter.dispatch(name, 'csc')`): a model calls `{{ integer_divide('a', 'b') }}` and
    never names an engine. dbt's own cross-database macros (dbt.dateadd, dbt.datediff,
    dbt.concat, dbt.hash, dbt.bool_or, dbt.any_value, dbt.safe_cast, dbt.split_part,
    dbt.listagg, dbt.date_spine, dbt.escape_single_quotes...) come first; these fill the
    gaps the measures hit. Each has a duckdb__ and a spark__ version and an ANSI-ish
    default__ for other adapters; tests/spark checks both engines give the same answers
    (docs/scaling.md). -#}

{#- Whole-number division of two non-negative integers (7, 2 -> 3). DuckDB's `/` on
    integers gives a double and Spark's always does: `//` and `div` are the integer forms. -#}
{% macro integer_divide(dividend, divisor) -%}
    {{ return(adapter.dispatch('integer_divide', 'csc')(dividend, divisor)) }}
{%- endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    cast(floor(({{ dividend }}) / ({{ divisor }})) as bigint)
{%- endmacro %}

{% macro duckdb__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) // ({{ divisor }}))
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    (({{ dividend }}) div ({{ divisor }}))
{%- endmacro %}

{#- `per` x numerator / denominator rounded half up to `digits` decimals (a double), NULL
    when the denominator is NULL or 0. Computed in integers, so every engine returns the
    same double: `round(100.0 * n / d, 1)` does not (DuckDB divides decimals as doubles and
    rounds the binary value, 23/2000 -> 1.1; Spark divides exact decimals, -> 1.2).
    Numerator and denominator are non-negative integer counts. -#}
{% macro rounded_ratio(numerator, denominator, per=100, digits=1) -%}
    {%- set scale = 10 ** digits -%}
    case when ({{ denominator }}) > 0 then
        cast({{ integer_divide(
            "2 * " ~ (per * scale) ~ " * cast(" ~ numerator ~ " as bigint) + cast(" ~ denominator ~ " as bigint)",
            "2 * cast(" ~ denominator ~ " as bigint)") }} as double) / {{ scale }}
    end
{%- endmacro %}

{#- True when `condition` holds on every row of the group (NULL rows ignored). dbt ships
    bool_or, not bool_and. -#}
{% macro bool_and(condition) -%}
    {{ return(adapter.dispatch('bool_and', 'csc')(condition)) }}
{%- endmacro %}

{% macro default__bool_and(condition) -%}
    (min(case when {{ condition }} then 1 when not ({{ condition }}) then 0 end) = 1)
{%- endmacro %}

{% macro duckdb__bool_and(condition) -%}
    bool_and({{ condition }})
{%- endmacro %}

{% macro spark__bool_and(condition) -%}
    bool_and({{ condition }})
{%- endmacro %}

{#- ISO day of the week of a date: 1 = Monday .. 7 = Sunday. DuckDB has isodow; Spark's
    dayofweek counts 1 = Sunday. -#}
{% macro iso_weekday(date_expr) -%}
    {{ return(adapter.dispatch('iso_weekday', 'csc')(date_expr)) }}
{%- endmacro %}

{% macro default__iso_weekday(date_expr) -%}
    cast(extract(isodow from {{ date_expr }}) as integer)
{%- endmacro %}

{% macro duckdb__iso_weekday(date_expr) -%}
    cast(isodow({{ date_expr }}) as integer)
{%- endmacro %}

{% macro spark__iso_weekday(date_expr) -%}
    cast(mod(dayofweek({{ date_expr }}) + 5, 7) + 1 as integer)
{%- endmacro %}

{#- A Jinja string as a SQL string literal, escaped the way the engine reads it. DuckDB
    (standard SQL) doubles a quote and takes a backslash as it is; Spark reads 'a''b' as
    two literals run together ('ab') and a backslash as an escape, so it wants \' and \\.
    For keys and labels that come from vars or the environment (the pseudonym key). -#}
{% macro string_literal(text) -%}
    {{ return(adapter.dispatch('string_literal', 'csc')(text)) }}
{%- endmacro %}

{% macro default__string_literal(text) -%}
    '{{ (text | string).replace("'", "''") }}'
{%- endmacro %}

{% macro spark__string_literal(text) -%}
    '{{ (text | string).replace('\\', '\\\\').replace("'", "\\'") }}'
{%- endmacro %}

{#- Whole years from `from_date` to `on_date` (an age: 29 Feb 2008 -> 28 Feb 2012 is 3,
    1 Mar 2012 is 4). Plain date parts, the same on every engine; here so an age is never
    written as datediff('year'), which counts year boundaries. -#}
{% macro whole_years_between(from_date, on_date) -%}
    (extract(year from {{ on_date }}) - extract(year from {{ from_date }})
     - case when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                 < extract(month from {{ from_date }}) * 100 + extract(day from {{ from_date }})
            then 1 else 0 end)
{%- endmacro %}

{#- SHA-256 of a text as 64 lowercase hex digits. dbt.hash is MD5, too weak for the
    pseudonymous ids (macros/pseudonymise.sql). DuckDB has sha256(); Spark has sha2(x, 256);
    both return lowercase hex of the UTF-8 bytes. -#}
{% macro sha256_hex(text) -%}
    {{ return(adapter.dispatch('sha256_hex', 'csc')(text)) }}
{%- endmacro %}

{% macro default__sha256_hex(text) -%}
    sha256({{ text }})
{%- endmacro %}

{% macro duckdb__sha256_hex(text) -%}
    sha256({{ text }})
{%- endmacro %}

{% macro spark__sha256_hex(text) -%}
    sha2({{ text }}, 256)
{%- endmacro %}

{#- The text value of a top-level key of a JSON object held as text (NULL when the key is
    absent, null or the text is not JSON): the SSD's outcome JSON columns. -#}
{% macro json_text(json_column, key) -%}
    {{ return(adapter.dispatch('json_text', 'csc')(json_column, key)) }}
{%- endmacro %}

{% macro default__json_text(json_column, key) -%}
    json_extract_path_text({{ json_column }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_text(json_column, key) -%}
    json_extract_string(try_cast({{ json_column }} as json), '$.{{ key }}')
{%- endmacro %}

{% macro spark__json_text(json_column, key) -%}
    get_json_object({{ json_column }}, '$.{{ key }}')
{%- endmacro %}
