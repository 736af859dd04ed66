-- One row per day 2000-2035 for BI: financial year and quarter labels as the Cabinet report
-- prints them, month and weekday, and the working-day flags and counter the measures use.
with calendar as (
    select * from {{ ref('int_calendar') }}
),

labelled as (
    select
        date_day,
        -- financial calendar
        financial_year,
        {{ financial_year_label('financial_year') }} as financial_year_label,
        financial_quarter,
        {{ dbt.concat([financial_year_label('financial_year'), "' Q'",
                       dbt.cast('financial_quarter', dbt.type_string())]) }}
            as financial_quarter_label,
        -- calendar
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as month_number,
        case cast(extract(month from date_day) as integer)
            when 1 then 'January' when 2 then 'February' when 3 then 'March'
            when 4 then 'April' when 5 then 'May' when 6 then 'June'
            when 7 then 'July' when 8 then 'August' when 9 then 'September'
            when 10 then 'October' when 11 then 'November' when 12 then 'December'
        end as month_name,
        iso_weekday,
        case iso_weekday
            when 1 then 'Monday' when 2 then 'Tuesday' when 3 then 'Wednesday'
            when 4 then 'Thursday' when 5 then 'Friday' when 6 then 'Saturday'
            when 7 then 'Sunday'
        end as weekday_name,
        -- working days
        is_weekend,
        is_bank_holiday,
        bank_holiday_name,
        is_working_day,
        working_day_number
    from calendar
)

select * from labelled
