-- RAISE episodes of a looked-after child missing or away from placement (contract v2):
-- every version of every record, typed. Filter with the in_force_at() macro to see the data
-- as it stood on an extract date. The table is optional in a drop: without it (drops of
-- contract v1) the raw table is empty and so is this model.
with source as (
    select * from {{ source('raise', 'missing_episodes') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        missing_id,
        person_id,
        -- codes
        missing_type,
        -- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
