-- The child-level lists behind the figures as first reported: measure_records on the extract
-- each period was first reported from (as_at, as in measure_values_as_reported), so every
-- published figure can be traced to its children. Kept between builds like the as-reported
-- figures (macros/kept_computations.sql): a build appends the as-reported computations it
-- ran. var('as_reported_records_months') (unset: every period) keeps only the computations
-- whose extract is within that many months of the latest, for national-scale warehouses.
-- depends_on: {{ ref('int_period_computations') }}, {{ ref('int_computations_to_run') }}
{{ config(
    materialized=kept_computations_materialization(),
    incremental_strategy='append',
    pre_hook="{{ forget_recomputed_computations() }}"
) }}
with records as (
    select * from {{ ref('int_measure_records') }}
),

latest as (
    select max(as_at) as as_at from {{ ref('int_period_computations') }}
),

computations as (
    select to_run.*
    from {{ ref('int_computations_to_run') }} as to_run
    cross join latest
    where
        to_run.is_as_reported
        and {{ in_as_reported_records_span('to_run.as_at', 'latest.as_at') }}
)

select
    {{ measure_records_columns(include_as_reported_basis=true) }}
from records
inner join computations
    on computations.reporting_period = records.reporting_period
    and computations.as_at = records.as_at
-- what the LA's source cannot give is not listed either (int_measure_availability)
inner join {{ ref('int_measure_availability') }} as availability
    on availability.la_code = records.la_code
    and availability.measure_id = records.measure_id
where availability.has_figures
