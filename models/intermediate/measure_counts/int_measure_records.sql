-- Every measure's records (one row per record counted for a measure x period x extract),
-- stacked from the records models (macro measure_records_models): the child-level lists
-- behind the figures. The team and worker a record is credited to follow the measure's
-- catalogue row (team_source): 'record', the team and worker the record carries (the
-- contact's, the referral's, the assessment's, the referral behind an enquiry); 'allocation',
-- those of the child's allocation in force on the record's event date (the period end for
-- the snapshot measures), NULL ('unallocated') when none is; 'none' (no team breakdown), as
-- the record carries.
-- Kept between builds (macros/kept_computations.sql): it holds the records of the
-- computations this build runs (int_computations_to_run). On a night that completes no
-- reporting period (int_latest_carry) the records of the children whose records did not
-- change (all but int_persons_recomputed) are carried from the previous latest extract
-- (moved to the new one in place, by the pre_hook carry_records_in_place), and the rest
-- computed and appended; a full refresh, or an engine that keeps nothing, computes them
-- all.
-- depends_on: {{ ref('int_computations_to_run') }}, {{ ref('int_latest_carry') }},
-- {{ ref('int_persons_recomputed') }}
{{ config(
    materialized=kept_computations_materialization(),
    incremental_strategy='append',
    pre_hook=["{{ forget_carried_records('before') }}", "{{ carry_records_in_place() }}"],
    post_hook="{{ forget_carried_records('after') }}"
) }}
with stacked as (
    {% for records_model in measure_records_models() %}
    select * from {{ ref(records_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

catalogue as (
    select measure_id, team_source, records_model from {{ ref('process_model_measures') }}
),

records as (
    select
        stacked.*,
        catalogue.team_source
    from stacked
    inner join catalogue on catalogue.measure_id = stacked.measure_id
    -- a child's records on the extract records are carried to are either all computed or
    -- all carried (the records models compute the recomputed children only; this makes
    -- sure of it)
    where catalogue.records_model in ({{ "'" ~ uncarried_records_models() | join("', '") ~ "'" }})
        or stacked.person_id is null
        or {{ in_recompute_scope('stacked') }}
),

credited as (
    {{ with_allocation_in_force('records', 'records.event_date',
                                key=['measure_id', 'reporting_period', 'as_at', 'la_code',
                                     'record_type', 'record_id', 'person_id'],
                                where="records.team_source = 'allocation'") }}
)

select
    la_code,
    measure_id,
    reporting_period,
    as_at,
    record_type,
    record_id,
    person_id,
    case when team_source = 'allocation' then allocated_team_id else team_id end as team_id,
    case when team_source = 'allocation' then allocated_worker_id else worker_id end as worker_id,
    start_date,
    event_date,
    working_days,
    initiating_agency,
    has_team_breakdown,
    has_agency_breakdown,
    in_numerator,
    team_source,
    held_by_allocation_id
from credited
