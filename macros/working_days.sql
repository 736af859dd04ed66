{#- Working days between two dates: the number of working days d with start < d <= end
    (weekends and England & Wales bank holidays excluded), so a completion on the start date
    itself is 0 and "within N working days of S" is `working_days <= N`. NULL when either
    date is NULL or outside the calendar (2000-2035).

    int_calendar numbers the working days (working_day_number: the working days on or before
    the date), so the count is end's number minus start's. The model joins int_calendar once
    per date and passes the two aliases:

        left join {{ ref('int_calendar') }} as start_day on start_day.date_day = t.start_date
        left join {{ ref('int_calendar') }} as end_day on end_day.date_day = t.end_date
        ... {{ working_days_taken('start_day', 'end_day') }} as working_days

    Every working-day figure is computed with this macro, once per event, in the
    int_*_timeliness models (models/intermediate/events); the fct_* marts read them. -#}
{% macro working_days_taken(start_day, end_day) -%}
    ({{ end_day }}.working_day_number - {{ start_day }}.working_day_number)
{%- endmacro %}
