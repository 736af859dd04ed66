-- One row per day, 2000-01-01 to 2035-12-31: the financial year and quarter it falls in,
-- and whether it is a working day (not a Saturday, Sunday or England & Wales bank holiday).
-- working_day_number counts the working days on or before the date, so the number of
-- working days d with S < d <= E is working_day_number(E) - working_day_number(S): join
-- this model twice on date_day (the working_days_taken macro, macros/working_days.sql).
-- The vars calendar_first_day / calendar_end_day (exclusive) exist so unit tests can build a
-- fortnight instead of 36 years; the bank-holiday seed covers the same span.
with days as (
    {{ dbt.date_spine(
        datepart="day",
        start_date="cast('" ~ var('calendar_first_day', '2000-01-01') ~ "' as date)",
        end_date="cast('" ~ var('calendar_end_day', '2036-01-01') ~ "' as date)"
    ) }}
),

bank_holidays as (
    select
        cast({{ adapter.quote('date') }} as date) as holiday_date,
        name as holiday_name
    from {{ ref('bank_holidays_england_wales') }}
),

dated as (
    select
        cast(date_day as date) as date_day,
        -- 1 = Monday .. 7 = Sunday, counted from Monday 3 January 2000 (no engine's
        -- day-of-week convention involved)
        cast(
            mod(
                {{ dbt.datediff("cast('2000-01-03' as date)", "cast(date_day as date)", "day") }}
                + 7,
                7
            ) + 1 as integer
        ) as iso_weekday
    from days
),

flagged as (
    select
        dated.date_day,
        {{ financial_year('dated.date_day') }} as financial_year,
        {{ financial_quarter('dated.date_day') }} as financial_quarter,
        dated.iso_weekday,
        dated.iso_weekday >= 6 as is_weekend,
        bank_holidays.holiday_date is not null as is_bank_holiday,
        bank_holidays.holiday_name as bank_holiday_name
    from dated
    left join bank_holidays on bank_holidays.holiday_date = dated.date_day
),

calendar as (
    select
        date_day,
        financial_year,
        financial_quarter,
        iso_weekday,
        is_weekend,
        is_bank_holiday,
        bank_holiday_name,
        not (is_weekend or is_bank_holiday) as is_working_day,  -- noqa: LT01, LT06
        cast(sum(case when is_weekend or is_bank_holiday then 0 else 1 end) over (
            order by date_day rows between unbounded preceding and current row
        ) as integer) as working_day_number
    from flagged
)

select * from calendar
