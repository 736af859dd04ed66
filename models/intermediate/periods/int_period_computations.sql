-- Which extract each reporting period is computed on. Every period is computed on the
-- latest extract (the restated figures) and on the first extract dated after the period
-- ended (the figures as first reported to Cabinet). One row per (period, extract).
with periods as (
    select * from {{ ref('int_reporting_periods') }}
),

extracts as (
    select * from {{ ref('stg_meta__extracts') }}
),

latest as (
    select max(extract_date) as as_at from extracts
),

first_after as (
    select
        periods.reporting_period,
        min(extracts.extract_date) as as_at
    from periods
    inner join extracts on extracts.extract_date > periods.period_end
    group by periods.reporting_period
),

both_kinds as (
    select periods.reporting_period, latest.as_at, true as is_latest, false as is_as_reported
    from periods cross join latest
    union all
    select reporting_period, as_at, false as is_latest, true as is_as_reported
    from first_after
),

computations as (
    select
        reporting_period,
        as_at,
        max(case when is_latest then 1 else 0 end) = 1 as is_latest,
        max(case when is_as_reported then 1 else 0 end) = 1 as is_as_reported
    from both_kinds
    group by reporting_period, as_at
),

earliest as (
    select min(extract_date) as extract_date from extracts
)

-- as_reported_basis: whether the as-reported extract is the first after the period as it
-- was reported ('first_after_period': an extract is dated on or before the period end, or
-- the period ended in the month before its extract) or only the earliest extract there is
-- ('earliest_available': the period ended long before the data begins).
select
    computations.reporting_period,
    computations.as_at,
    computations.is_latest,
    computations.is_as_reported,
    case
        when not computations.is_as_reported then null
        when earliest.extract_date <= periods.period_end
            or computations.as_at <= {{ add_months('periods.period_end', 1) }}
            then 'first_after_period'
        else 'earliest_available'
    end as as_reported_basis
from computations
inner join periods on periods.reporting_period = computations.reporting_period
cross join earliest
