-- The window each measure counts over for each reporting period, by its period kind
-- (the catalogue's period_kind; docs/measures.md, "Windows"): quarter, ytd, rolling_12m,
-- snapshot, year. A year-kind measure (Cafcass applications by quarter) counts the
-- financial year up to the period end: on a quarter period the year's quarters that have
-- started by then, so a restated quarter never counts quarters after it (the whole year
-- for a whole-year period).
with periods as (
    select * from {{ ref('int_reporting_periods') }}
),

catalogue as (
    select * from {{ ref('process_model_measures') }}
),

windows as (
    select
        catalogue.measure_id,
        periods.reporting_period,
        periods.period_type,
        case catalogue.period_kind
            when 'quarter' then periods.period_start
            when 'ytd' then periods.financial_year_start
            when 'rolling_12m'
                then {{ dbt.dateadd('day', 1, dbt.dateadd('month', -12, 'periods.period_end')) }}
            when 'snapshot' then periods.period_end
            when 'year' then periods.financial_year_start
        end as window_start,
        periods.period_end as window_end
    from periods
    cross join catalogue
)

select
    measure_id,
    reporting_period,
    period_type,
    cast(window_start as date) as window_start,
    cast(window_end as date) as window_end
from windows
