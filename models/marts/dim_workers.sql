-- One row per worker in the latest extract, with the team they were in then. worker_id is
-- a staff id, not a child identifier.
with workers as (
    {{ latest_versions('int_source__workers') }}
)

select
    {{ la_scoped_key('la_code', 'worker_id') }} as worker_key,
    la_code,
    worker_id,
    role,
    {{ la_scoped_key('la_code', 'team_id') }} as team_key,
    team_id,
    team_name
from workers
