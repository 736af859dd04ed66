-- Workers from either source, every version: RAISE's, or the SSD's professionals with the
-- team their department names (ssd_department, by name; the SSD has no team id on a
-- professional).
with ssd_teams as (
    select la_code, team_name, min(team_id) as team_id
    from {{ ref('stg_ssd__teams') }}
    group by la_code, team_name
)

select
    la_code,
    worker_id,
    team_id,
    role,
    team_name,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__workers') }}
union all
select
    workers.la_code,
    workers.worker_id,
    ssd_teams.team_id,
    workers.role,
    workers.team_name,
    workers.valid_from,
    workers.valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__workers') }} as workers
left join ssd_teams
    on ssd_teams.la_code = workers.la_code
    and ssd_teams.team_name = workers.team_name
