-- One row per team: every team a worker belongs to in the latest extract, and every team
-- recorded on a contact, referral or assessment or holding a child's case (an allocation)
-- (team_name NULL when no worker names it).
with workers as (
    {{ latest_versions('int_source__workers') }}
),

contacts as (
    {{ latest_versions('int_source__contacts') }}
),

referrals as (
    {{ latest_versions('int_source__referrals') }}
),

assessments as (
    {{ latest_versions('int_source__assessments') }}
),

allocations as (
    {{ latest_versions('int_source__allocations') }}
),

team_ids as (
    select la_code, team_id from workers
    union
    select la_code, team_id from contacts where team_id is not null
    union
    select la_code, team_id from referrals where team_id is not null
    union
    select la_code, team_id from assessments where team_id is not null
    union
    select la_code, team_id from allocations where team_id is not null
),

named as (
    select
        la_code,
        team_id,
        max(team_name) as team_name,
        count(*) as workers
    from workers
    group by la_code, team_id
)

select
    {{ la_scoped_key('team_ids.la_code', 'team_ids.team_id') }} as team_key,
    team_ids.la_code,
    team_ids.team_id,
    named.team_name,
    coalesce(named.workers, 0) as workers
from team_ids
left join named
    on named.la_code = team_ids.la_code
    and named.team_id = team_ids.team_id
