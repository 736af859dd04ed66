-- Every measure's counts on every extract it is computed on, one row per
-- la_code x measure x period x as_at x breakdown. Each measure's logic lives in the
-- records model the catalogue names (counted by int_measure_counts); this model only
-- stacks the counts and adds the catalogue's unit, polarity and the value. Incremental
-- (macros/kept_computations.sql): a build appends the computations it ran
-- (int_computations_to_run) and keeps the as-reported ones stored by earlier builds;
-- int_measure_results adds which of them are latest and as reported.
-- depends_on: {{ ref('int_period_computations') }}, {{ ref('int_computations_to_run') }}
{{ config(
    materialized=kept_computations_materialization(),
    incremental_strategy='append',
    pre_hook="{{ forget_recomputed_computations() }}"
) }}
with stacked as (
    -- the measures counted from child-level records (the catalogue's records_model) ...
    select * from {{ ref('int_measure_counts') }}
    union all
    -- ... and the one rate computed from reference tables
    select * from {{ ref('int_measure_counts__cafcass_care_applications_rate') }}
),

catalogue as (
    select * from {{ ref('process_model_measures') }}
),

windows as (
    select * from {{ ref('int_measure_windows') }}
),

computations as (
    select * from {{ ref('int_computations_to_run') }}
)

select
    stacked.la_code,
    stacked.measure_id,
    stacked.reporting_period,
    windows.period_type,
    windows.window_start,
    windows.window_end,
    stacked.as_at,
    stacked.breakdown_by,
    stacked.breakdown_value,
    stacked.numerator,
    stacked.denominator,
    case
        when catalogue.unit = 'count' then cast(stacked.numerator as double)
        -- rounded half up to 1 decimal, NULL when nothing to divide by (cross_db.sql)
        when catalogue.unit = 'percent'
            then {{ rounded_ratio('stacked.numerator', 'stacked.denominator', per=100) }}
        when catalogue.unit = 'rate_per_10k'
            then {{ rounded_ratio('stacked.numerator', 'stacked.denominator', per=10000) }}
    end as value,
    catalogue.unit,
    catalogue.polarity,
    catalogue.tolerance
from stacked
inner join catalogue on catalogue.measure_id = stacked.measure_id
inner join windows
    on windows.measure_id = stacked.measure_id
    and windows.reporting_period = stacked.reporting_period
inner join computations
    on computations.reporting_period = stacked.reporting_period
    and computations.as_at = stacked.as_at
