-- RAISE allocations (who holds each child's case, from and to a date): every version of
-- every record, typed. Filter with the in_force_at() macro to see the data as it stood on an
-- extract date. The table is optional in a drop: without it the loader's raw table is empty
-- and so is this model.
with source as (
    select * from {{ source('raise', 'allocations') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        allocation_id,
        person_id,
        team_id,
        -- empty: the case is held by the team, waiting for a worker
        nullif(worker_id, '') as worker_id,
        -- codes
        allocation_role,
        -- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
