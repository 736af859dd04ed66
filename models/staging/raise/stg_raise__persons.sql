-- RAISE persons: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'persons') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        person_id,
        -- dates
        cast(date_of_birth as date) as date_of_birth,
        cast(date_of_death as date) as date_of_death,
        -- codes
        sex,
        ethnicity,
        -- attributes
        forename,
        surname,
        postcode,
        upn,
        -- contract v2 (empty in versions from v1 drops)
        upn_unknown,
        disabilities,
        uasc,
        cast(uasc_ceased_date as date) as uasc_ceased_date,
        mother,
        cast(mother_child_dob as date) as mother_child_dob,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
