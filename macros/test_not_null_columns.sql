{#- Generic test: none of `columns` is NULL in any row; the failing rows are returned whole,
    so they show which column was empty. One query (and one dbt node) for all the required
    columns of a model instead of one `not_null` test per column: every dbt node costs the
    build a fixed overhead, and the staging layer has dozens of required columns. -#}
{% test not_null_columns(model, columns) %}
select *
from {{ model }}
where {% for column in columns %}{{ column }} is null{% if not loop.last %} or {% endif %}{% endfor %}
{% endtest %}
