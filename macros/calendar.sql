{#- Financial-year arithmetic. English LAs report by financial year (1 April - 31 March).
    Plain ANSI date parts, so these need no per-engine dispatch. -#}

{% macro financial_year(date_expr) -%}
    (extract(year from {{ date_expr }}) - case when extract(month from {{ date_expr }}) < 4 then 1 else 0 end)
{%- endmacro %}

{% macro financial_quarter(date_expr) -%}
    (cast(floor(mod(extract(month from {{ date_expr }}) + 8, 12) / 3) as integer) + 1)
{%- endmacro %}

{#- '2013-14' for financial year 2013. -#}
{% macro financial_year_label(year_expr) -%}
    {{ dbt.concat([
        dbt.cast(year_expr, dbt.type_string()),
        "'-'",
        dbt.right(dbt.cast(year_expr ~ " + 1", dbt.type_string()), "2")
    ]) }}
{%- endmacro %}

{#- True when a version of a record (valid_from/valid_to extract dates) was the one in force
    in the extract dated `as_at`. -#}
{% macro in_force_at(relation_alias, as_at) -%}
    ({{ relation_alias }}.valid_from <= {{ as_at }}
     and ({{ relation_alias }}.valid_to is null or {{ relation_alias }}.valid_to > {{ as_at }}))
{%- endmacro %}

{#- Y/N flag as delivered -> boolean (empty -> NULL). -#}
{% macro yes_no_flag(column) -%}
    case {{ column }} when 'Y' then true when 'N' then false end
{%- endmacro %}
