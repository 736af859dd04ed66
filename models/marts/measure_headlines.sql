-- The headline figures only: one row per LA x measure x reporting period (no team, worker or
-- agency breakdowns), the figure on the latest extract beside the figure as first reported.
with latest as (
    select * from {{ ref('measure_values') }}
    where breakdown_by is null
),

reported as (
    select * from {{ ref('measure_values_as_reported') }}
    where breakdown_by is null
)

select
    latest.la_code,
    latest.measure_id,
    latest.reporting_period,
    latest.period_type,
    latest.period_sort_key,
    latest.window_start,
    latest.window_end,
    latest.unit,
    latest.polarity,
    latest.numerator,
    latest.denominator,
    latest.value,
    latest.direction,
    reported.as_at as as_reported_as_at,
    reported.as_reported_basis,
    reported.numerator as as_reported_numerator,
    reported.denominator as as_reported_denominator,
    reported.value as as_reported_value,
    reported.direction as as_reported_direction
from latest
left join reported
    on reported.la_code = latest.la_code
    and reported.measure_id = latest.measure_id
    and reported.reporting_period = latest.reporting_period
