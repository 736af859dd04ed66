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
    records.la_code,
    records.measure_id,
    records.reporting_period,
    {{ period_type_of('records.reporting_period') }} as period_type,
    {{ period_sort_key('records.reporting_period') }} as period_sort_key,
    records.as_at,
    computations.as_reported_basis,
    records.record_type,
    records.record_id,
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_id,
    -- the star schema's names for the same keys (docs/analysts.md, "Changes")
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_key,
    records.team_id,
    {{ la_scoped_key('records.la_code', 'records.team_id') }} as team_key,
    records.worker_id,
    {{ la_scoped_key('records.la_code', 'records.worker_id') }} as worker_key,
    records.initiating_agency,
    records.start_date,
    records.event_date,
    records.working_days,
    records.in_numerator
from records
inner join computations
    on computations.reporting_period = records.reporting_period
    and computations.as_at = records.as_at
