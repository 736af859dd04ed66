-- RAISE care_leaver_contacts: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'care_leaver_contacts') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        person_id,
        -- dates
        cast(contact_date as date) as contact_date,
        -- codes
        in_touch,
        activity,
        accommodation,
        -- flags
        {{ yes_no_flag('accommodation_suitable') }} as accommodation_suitable,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
