{#- A reporting period's sort key from its label: financial year x 10 + quarter, the whole
    year 0 ('2013-14' -> 20130, '2013-14 Q1' -> 20131 .. '2013-14 Q4' -> 20134). Ordering by
    it lists each year's row before its four quarters, so `order by period_sort_key desc`
    starts with the latest quarter; filter on period_type for one kind. -#}
{% macro period_sort_key(label) -%}
    (cast(substr({{ label }}, 1, 4) as integer) * 10
        + case when {{ label }} like '% Q%'
            then cast(substr({{ label }}, {{ 'length(' ~ label ~ ')' }}, 1) as integer)
            else 0 end)
{%- endmacro %}

{#- A reporting period's kind from its label: 'quarter' ('2013-14 Q1') or 'year' ('2013-14'). -#}
{% macro period_type_of(label) -%}
    case when {{ label }} like '% Q%' then 'quarter' else 'year' end
{%- endmacro %}

{#- True for an as-reported extract date whose child-level lists are published: every one
    when var('as_reported_records_months') is null, else those within that many months of
    the latest extract (marts.measure_records_as_reported). -#}
{% macro in_as_reported_records_span(as_at, latest_as_at) -%}
    {%- set months = var('as_reported_records_months', none) -%}
    {%- if months is none -%}
        true
    {%- else -%}
        {{ as_at }} >= {{ add_months(latest_as_at, -(months | int)) }}
    {%- endif -%}
{%- endmacro %}
