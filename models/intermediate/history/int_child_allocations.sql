-- Who held each child's case, from and to when, on each extract date: the allocations of
-- the RAISE allocations table (a team, with a worker or none yet, as allocated social worker
-- or personal adviser) as they stood on that extract. A measure whose catalogue row says
-- team_source = 'allocation' credits the allocation in force on the record's date (macro
-- allocation_in_force_on; the latest-started one when two overlap). A drop without
-- allocations gives no rows: those measures then credit no team ('unallocated').
with allocations as (
    select * from {{ ref('int_allocations_as_at') }}
)

select
    as_at,
    la_code,
    person_id,
    allocation_id,
    team_id,
    worker_id,
    allocation_role,
    start_date as allocated_from,
    end_date as allocated_until
from allocations
