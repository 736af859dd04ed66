-- Every record a measure is broken down by team for is credited to the team and worker its
-- catalogue row says (seeds/process_model_measures.csv, team_source; docs/measures.md,
-- "Breakdowns"). One row per record that is not:
--   * team_source 'record': the team and worker are not those the records model gave the
--     record (its own: the contact's, referral's or assessment's, the referral behind an
--     S47 enquiry or a conference; their definitions are pinned by unit tests), or the
--     record is of a kind that carries no team
--   * team_source 'allocation': they are not those of the child's allocation in force on
--     the record's event date (started on or before it, not ended before it; the
--     latest-started of several), read here from the allocations as they stood on the
--     extract (int_allocations_as_at), not from int_child_allocations
--   * team_source 'none' or missing: the measure has a team breakdown all the same
-- Its parents are the measure models only (none of them is a parent of the star schema),
-- so it runs when they are built, not when a star-schema model's ancestors are.
{% set key = ['measure_id', 'reporting_period', 'as_at', 'la_code', 'record_type', 'record_id',
              'person_id'] %}
with catalogue as (
    select measure_id, team_source from {{ ref('process_model_measures') }}
),

records as (
    select
        records.*,
        catalogue.team_source as catalogue_team_source
    from {{ ref('int_measure_records') }} as records
    left join catalogue on catalogue.measure_id = records.measure_id
    where records.has_team_breakdown
),

-- the records this build computed: a record carried from the previous latest extract
-- (macros/kept_computations.sql) was checked by the build that computed it, and its records
-- model did not emit it this time. Narrowed here, before any join: the same filter after
-- the join to the emitted records took the test twice as long (47-55 s against 21-22 s on
-- the national benchmark's work file after its stress night).
records_in_scope as (
    select * from records
    where {{ in_recompute_scope('records') }}
),

-- the records as their records models emitted them, before any team was credited
emitted as (
    {% for records_model in measure_records_models() %}
    select {{ key | join(', ') }}, team_id, worker_id from {{ ref(records_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

record_problems as (
    select
        records.measure_id,
        records.reporting_period,
        records.as_at,
        records.la_code,
        records.record_type,
        records.record_id,
        case
            when records.record_type not in (
                'contact', 'referral', 'assessment', 's47_enquiry', 'cp_conference'
            ) then 'record carries no team of its own'
            else 'team or worker is not the record''s own'
        end as problem
    from records_in_scope as records
    left join emitted
        on
        {%- for column in key %}
        emitted.{{ column }} = records.{{ column }}{{ ' and' if not loop.last }}
        {%- endfor %}
    where records.catalogue_team_source = 'record'
        and (
            records.record_type not in (
                'contact', 'referral', 'assessment', 's47_enquiry', 'cp_conference'
            )
            or coalesce(emitted.team_id, '-') <> coalesce(records.team_id, '-')
            or coalesce(emitted.worker_id, '-') <> coalesce(records.worker_id, '-')
        )
),

-- the records credited by allocation, those this build computed: a record carried from
-- the previous latest extract (macros/kept_computations.sql) was checked by the build that
-- computed it, and its check cannot come out otherwise now. The allocations are among the
-- child's records whose every change (a version added, closed or deleted) puts the child in
-- int_persons_recomputed, so a carried child's allocations as they stand on the new extract
-- are those on the previous one, and the record carries the team and worker it had.
allocation_records as (
    select * from records_in_scope as records
    where records.catalogue_team_source = 'allocation'
),

in_force as (
    select
        records.measure_id,
        records.reporting_period,
        records.as_at,
        records.la_code,
        records.record_type,
        records.record_id,
        records.team_id,
        records.worker_id,
        allocations.team_id as allocated_team_id,
        allocations.worker_id as allocated_worker_id,
        row_number() over (
            partition by
                records.measure_id, records.reporting_period, records.as_at, records.la_code,
                records.record_type, records.record_id, records.person_id
            order by allocations.start_date desc, allocations.allocation_id desc
        ) as latest
    from allocation_records as records
    left join {{ ref('int_allocations_as_at') }} as allocations
        on allocations.as_at = records.as_at
        and allocations.la_code = records.la_code
        and allocations.person_id = records.person_id
        and allocations.start_date <= records.event_date
        and (allocations.end_date is null or allocations.end_date >= records.event_date)
),

allocation_problems as (
    select
        measure_id, reporting_period, as_at, la_code, record_type, record_id,
        'team or worker is not the allocation''s in force on the event date' as problem
    from in_force
    where latest = 1
        and (
            coalesce(allocated_team_id, '-') <> coalesce(team_id, '-')
            or coalesce(allocated_worker_id, '-') <> coalesce(worker_id, '-')
        )
),

unruled as (
    select distinct
        measure_id, reporting_period, as_at, la_code, record_type, record_id,
        'broken down by team without a team_source of record or allocation' as problem
    from records
    where catalogue_team_source is null or catalogue_team_source not in ('record', 'allocation')
)

select * from record_problems
union all
select * from allocation_problems
union all
select * from unruled
