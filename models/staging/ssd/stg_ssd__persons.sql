-- SSD ssd_person: every version of every record, typed and renamed to the warehouse's words.
-- Direct identifiers (names, UPN) stay in the work database: no published model selects them.
-- Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_person') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        pers_person_id as person_id,
        -- dates
        {{ ssd_date('pers_dob') }} as date_of_birth,
        {{ ssd_date('pers_death_date') }} as date_of_death,
        -- codes
        pers_sex as sex,
        pers_ethnicity as ethnicity,
        -- attributes
        pers_forename as forename,
        pers_surname as surname,
        pers_upn as upn,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
