-- Every complete reporting period the data covers: each financial quarter ('2013-14 Q1')
-- and each whole financial year ('2012-13') that ended before the latest extract date.
with calendar as (
    select * from {{ ref('int_calendar') }}
),

extracts as (
    select max(extract_date) as latest_extract_date from {{ ref('stg_meta__extracts') }}
),

quarters as (
    select
        financial_year,
        financial_quarter,
        min(date_day) as period_start,
        max(date_day) as period_end
    from calendar
    group by financial_year, financial_quarter
),

years as (
    select
        financial_year,
        min(date_day) as period_start,
        max(date_day) as period_end
    from calendar
    group by financial_year
),

periods as (
    select
        {{ dbt.concat([financial_year_label('financial_year'), "' Q'",
                       dbt.cast('financial_quarter', dbt.type_string())]) }} as reporting_period,
        'quarter' as period_type,
        financial_year,
        financial_quarter,
        period_start,
        period_end
    from quarters

    union all

    select
        {{ financial_year_label('financial_year') }} as reporting_period,
        'year' as period_type,
        financial_year,
        cast(null as integer) as financial_quarter,
        period_start,
        period_end
    from years
),

complete as (
    select
        periods.*,
        cast(
            {{ dbt.concat([dbt.cast('periods.financial_year', dbt.type_string()), "'-04-01'"]) }}
            as date
        ) as financial_year_start
    from periods
    cross join extracts
    where periods.period_end < extracts.latest_extract_date
        and periods.financial_year >= {{ var('first_reporting_year') }}
)

select * from complete
