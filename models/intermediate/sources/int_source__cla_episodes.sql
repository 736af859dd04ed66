-- Children-in-care episodes (SSDA903) from either source, every version. The SSD splits an
-- episode over three tables: ssd_cla_episodes, the placement it is in (ssd_cla_placement:
-- type and provider) and the child's legal status (ssd_legal_status: the one started on
-- or before the episode started, the latest such). Those tables change on different
-- nights, so the SSD versions are rebuilt per child on every date any of them changed:
-- on each such date the versions then in force are joined, and the row holds until the
-- child's next change date. An SSD episode's reason_place_change is NULL: the SSD keeps one
-- change reason per placement, not per episode.
with ssd_episodes as (
    select * from {{ ref('stg_ssd__cla_episodes') }}
),

ssd_placements as (
    select * from {{ ref('stg_ssd__cla_placements') }}
),

ssd_legal_statuses as (
    select * from {{ ref('stg_ssd__legal_statuses') }}
),

placement_persons as (
    select distinct la_code, placement_id, person_id
    from ssd_episodes
),

change_dates as (
    select la_code, person_id, valid_from as changed_on from ssd_episodes
    union
    select la_code, person_id, valid_to from ssd_episodes where valid_to is not null
    union
    select la_code, person_id, valid_from from ssd_legal_statuses
    union
    select la_code, person_id, valid_to from ssd_legal_statuses where valid_to is not null
    union
    select placement_persons.la_code, placement_persons.person_id, ssd_placements.valid_from
    from ssd_placements
    inner join placement_persons
        on placement_persons.la_code = ssd_placements.la_code
        and placement_persons.placement_id = ssd_placements.placement_id
    union
    select placement_persons.la_code, placement_persons.person_id, ssd_placements.valid_to
    from ssd_placements
    inner join placement_persons
        on placement_persons.la_code = ssd_placements.la_code
        and placement_persons.placement_id = ssd_placements.placement_id
    where ssd_placements.valid_to is not null
),

spans as (
    select
        la_code,
        person_id,
        changed_on as span_from,
        lead(changed_on) over (partition by la_code, person_id order by changed_on) as span_to
    from change_dates
),

episodes_in_span as (
    select
        spans.span_from,
        spans.span_to,
        ssd_episodes.*
    from spans
    inner join ssd_episodes
        on ssd_episodes.la_code = spans.la_code
        and ssd_episodes.person_id = spans.person_id
        and {{ in_force_at('ssd_episodes', 'spans.span_from') }}
),

with_status as (
    select
        episodes_in_span.la_code,
        episodes_in_span.episode_id,
        episodes_in_span.span_from,
        ssd_legal_statuses.legal_status,
        row_number() over (
            partition by
                episodes_in_span.la_code, episodes_in_span.episode_id,
                episodes_in_span.span_from
            order by ssd_legal_statuses.start_date desc, ssd_legal_statuses.legal_status_id desc
        ) as recency
    from episodes_in_span
    inner join ssd_legal_statuses
        on ssd_legal_statuses.la_code = episodes_in_span.la_code
        and ssd_legal_statuses.person_id = episodes_in_span.person_id
        and ssd_legal_statuses.start_date <= episodes_in_span.start_date
        and {{ in_force_at('ssd_legal_statuses', 'episodes_in_span.span_from') }}
),

ssd_rebuilt as (
    select
        episodes_in_span.la_code,
        episodes_in_span.episode_id,
        episodes_in_span.person_id,
        episodes_in_span.start_date,
        episodes_in_span.end_date,
        episodes_in_span.reason_new_episode,
        with_status.legal_status,
        ssd_placements.placement_type,
        ssd_placements.placement_provider,
        episodes_in_span.reason_ceased,
        cast(null as {{ dbt.type_string() }}) as reason_place_change,
        episodes_in_span.span_from as valid_from,
        episodes_in_span.span_to as valid_to
    from episodes_in_span
    left join ssd_placements
        on ssd_placements.la_code = episodes_in_span.la_code
        and ssd_placements.placement_id = episodes_in_span.placement_id
        and {{ in_force_at('ssd_placements', 'episodes_in_span.span_from') }}
    left join with_status
        on with_status.la_code = episodes_in_span.la_code
        and with_status.episode_id = episodes_in_span.episode_id
        and with_status.span_from = episodes_in_span.span_from
        and with_status.recency = 1
)

select
    la_code,
    episode_id,
    person_id,
    start_date,
    end_date,
    reason_new_episode,
    legal_status,
    placement_type,
    placement_provider,
    reason_ceased,
    reason_place_change,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__cla_episodes') }}
union all
select
    la_code,
    episode_id,
    person_id,
    start_date,
    end_date,
    reason_new_episode,
    legal_status,
    placement_type,
    placement_provider,
    reason_ceased,
    reason_place_change,
    valid_from,
    valid_to,
    'ssd' as source_system
from ssd_rebuilt
