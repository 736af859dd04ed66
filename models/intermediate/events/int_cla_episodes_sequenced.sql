-- Each SSDA903 episode on each extract date, stitched into the child's care history: the
-- start of the placement it belongs to (the latest episode so far whose RNE is not L: a
-- change of legal status alone is not a new placement) and of the period of care (the
-- latest episode so far with RNE S), and whether it starts a placement (RNE S, P, B, T, U).
with episodes as (
    select * from {{ ref('int_cla_episodes_as_at') }}
)

select
    as_at,
    la_code,
    episode_id,
    person_id,
    start_date,
    end_date,
    reason_new_episode,
    legal_status,
    placement_type,
    reason_ceased,
    reason_new_episode in ('S', 'P', 'B', 'T', 'U') as starts_placement,
    max(case when reason_new_episode <> 'L' then start_date end) over (
        partition by as_at, la_code, person_id order by start_date, episode_id
        rows between unbounded preceding and current row
    ) as placement_start_date,
    max(case when reason_new_episode = 'S' then start_date end) over (
        partition by as_at, la_code, person_id order by start_date, episode_id
        rows between unbounded preceding and current row
    ) as period_of_care_start_date
from episodes
