-- REFERENCE cafcass_care_applications: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('reference', 'cafcass_care_applications') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        -- dates
        cast(quarter_start as date) as quarter_start,
        -- numbers
        cast(care_applications as integer) as care_applications,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
