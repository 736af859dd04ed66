-- The child-level lists as first reported (marts.measure_records_as_reported) add up to the
-- figures as first reported (marts.measure_values_as_reported), headline rows: for a percent
-- measure the records are its denominator and those in_numerator its numerator; for a count
-- the records in_numerator are the count. One row per figure that does not add up.
-- Counts and percentages only: every one has a records model (the one rate, Cafcass care
-- applications, comes from reference tables).
with figures as (
    select figures.*
    from {{ ref('measure_values_as_reported') }} as figures
    where
        figures.breakdown_by is null
        and figures.unit in ('count', 'percent')
        -- with a span (var as_reported_records_months), the extracts the records cover; the
        -- test reads no model but these two, so it runs only when they are built
        {% if var('as_reported_records_months', none) is not none %}
        and figures.as_at >= (
            select min(kept.as_at) from {{ ref('measure_records_as_reported') }} as kept
        )
        {% endif %}
),

records as (
    select
        la_code,
        measure_id,
        reporting_period,
        as_at,
        count(*) as records,
        sum(case when in_numerator then 1 else 0 end) as in_numerator
    from {{ ref('measure_records_as_reported') }}
    group by la_code, measure_id, reporting_period, as_at
)

select
    figures.la_code,
    figures.measure_id,
    figures.reporting_period,
    figures.as_at,
    figures.numerator,
    figures.denominator,
    coalesce(records.records, 0) as records,
    coalesce(records.in_numerator, 0) as records_in_numerator
from figures
left join records
    on records.la_code = figures.la_code
    and records.measure_id = figures.measure_id
    and records.reporting_period = figures.reporting_period
    and records.as_at = figures.as_at
where
    coalesce(records.in_numerator, 0) <> figures.numerator
    or (figures.unit = 'percent' and coalesce(records.records, 0) <> figures.denominator)
