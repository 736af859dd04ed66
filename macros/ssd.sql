{#- The date of an SSD datetime text (SQL Server's `YYYY-MM-DD hh:mm:ss.fff`, the time
    optional): its first ten characters. The loader has checked the text. -#}
{% macro ssd_date(column) -%}
    cast(substring({{ column }}, 1, 10) as date)
{%- endmacro %}
