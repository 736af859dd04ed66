-- RAISE s47_enquiries: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 's47_enquiries') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        s47_id,
        referral_id,
        person_id,
        -- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        -- flags
        {{ yes_no_flag('icpc_required') }} as icpc_required,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
