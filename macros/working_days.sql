{#- Working days between two dates (measures.md): the number of working days d with
    start < d <= end, i.e. working_day_number(end) - working_day_number(start) from
    int_calendar (weekends and England & Wales bank holidays excluded). NULL when either
    date is NULL or outside the calendar (2000-2035). A completion on the start date itself
    is 0; "within N working days of S" is `working_days_between(S, E) <= N`.

    This macro expands to two correlated scalar lookups into int_calendar (an equi-join on
    date, which engines decorrelate). In a model that needs it on many rows, the plain join
    reads just as well and is what docs/star-schema.md shows:

        left join {{ ref('int_calendar') }} as start_day on start_day.date_day = t.start_date
        left join {{ ref('int_calendar') }} as end_day on end_day.date_day = t.end_date
        ... end_day.working_day_number - start_day.working_day_number as working_days -#}
{% macro working_days_between(start_col, end_col) -%}
    ((select wd_end.working_day_number from {{ ref('int_calendar') }} as wd_end
      where wd_end.date_day = {{ end_col }})
     - (select wd_start.working_day_number from {{ ref('int_calendar') }} as wd_start
        where wd_start.date_day = {{ start_col }}))
{%- endmacro %}
