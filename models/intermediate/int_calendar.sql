-- One row per day, 2000-01-01 to 2035-12-31, with the financial year and quarter it falls in.
with days as (
    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('2000-01-01' as date)",
        end_date="cast('2036-01-01' as date)"
    ) }}
),

calendar as (
    select
        cast(date_day as date) as date_day,
        {{ financial_year('date_day') }} as financial_year,
        {{ financial_quarter('date_day') }} as financial_quarter
    from days
)

select * from calendar
