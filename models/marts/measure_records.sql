-- The child-level lists behind the measures, on the latest extract: for a percent measure
-- every record in its denominator with in_numerator saying whether it is in the numerator
-- (the late assessments behind a timeliness figure are the rows with in_numerator false);
-- for a count measure the records counted. Children appear only by their pseudonymous id.
--
-- Kept between builds like int_measure_records (macros/kept_computations.sql): on a night
-- that carries the previous latest extract's records (int_latest_carry.carried_from), the
-- pre_hook (carry_measure_records) keeps the stored rows of the children carried, moved to
-- the new extract, and the build appends the rest: the records of the uncarried records
-- models (CAF), those of no child, and those of the children computed again
-- (in_recompute_scope). A full refresh, a night that completes a period, or an engine that
-- keeps nothing computes every row. A kept row is the one a rebuild makes because each of
-- its columns follows from inputs a carried child's row cannot see change:
--   * the int_measure_records row, which int_measure_records carries unchanged but for
--     as_at: the record, and the team and worker credited by the allocation in force on
--     its date, follow from the child's records and allocations (and links), any change
--     to which puts the child in int_persons_recomputed (macros/kept_computations.sql);
--   * the computations (is_latest): the periods complete on the new extract are those on
--     the previous one (a night that completes a period carries nothing), so a carried
--     record's period is listed on both;
--   * availability (int_measure_availability): the LA's source and the catalogue. One
--     landing holds one source (a drop of the other is refused), an LA's source never
--     leaves the history, and the catalogue is a seed: a change to it is a change to the
--     project, which the refresh builds with --full-refresh, as it does a new pseudonym key
--     (child_id) or any change to this SQL;
--   * as_at: one value for the whole table, set to the new latest extract by the pre_hook.
-- Should the pre_hook have kept nothing (stored rows from another extract than the one
-- carried from), every row is computed.
-- depends_on: {{ ref('int_latest_carry') }}, {{ ref('int_persons_recomputed') }},
-- {{ ref('process_model_measures') }}
{{ config(
    materialized=kept_computations_materialization(),
    incremental_strategy='append',
    pre_hook="{{ carry_measure_records() }}"
) }}
with records as (
    select all_records.*
    from {{ ref('int_measure_records') }} as all_records
    {% if is_incremental() %}
    -- the rows the pre_hook did not keep (carry_measure_records: the same conditions)
    where
        {{ of_uncarried_records_model('all_records.measure_id') }}
        or all_records.person_id is null
        or {{ in_recompute_scope('all_records') }}
        or not exists (select 1 from {{ this }})
    {% endif %}
),

computations as (
    select * from {{ ref('int_period_computations') }}
    where is_latest
)

select
    {{ measure_records_columns(include_as_reported_basis=false) }}
from records
inner join computations
    on computations.reporting_period = records.reporting_period
    and computations.as_at = records.as_at
-- what the LA's source cannot give is not listed either (int_measure_availability)
inner join {{ ref('int_measure_availability') }} as availability
    on availability.la_code = records.la_code
    and availability.measure_id = records.measure_id
where availability.has_figures
