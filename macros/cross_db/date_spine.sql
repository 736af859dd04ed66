{#- dbt's date_spine on Spark. dbt's default builds the days from a generate_series of
    cross-joined unions numbered by a window over all rows, after a query for the number of
    days: on a local Spark session that is a 14-way cartesian plan, analysed again by every
    model that reads the calendar. Spark has a generator for it: one row per day from
    `start_date` up to the day before `end_date` (end exclusive, as dbt's). Other dateparts
    keep dbt's default. Found first because the root project's macros come before dbt's in
    the `dbt` dispatch namespace. -#}
{% macro spark__date_spine(datepart, start_date, end_date) -%}
    {%- if datepart | lower == 'day' -%}
    select explode(sequence(
        cast({{ start_date }} as date),
        date_add(cast({{ end_date }} as date), -1),
        interval 1 day
    )) as date_day
    {%- else -%}
    {{ dbt.default__date_spine(datepart, start_date, end_date) }}
    {%- endif -%}
{%- endmacro %}
