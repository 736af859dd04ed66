-- SSD ssd_department: every version of every record, typed and renamed to the warehouse's words.
-- Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_department') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        dept_team_id as team_id,
        dept_team_parent_id as parent_team_id,
        -- attributes
        dept_team_name as team_name,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
