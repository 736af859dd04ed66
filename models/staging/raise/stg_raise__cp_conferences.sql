-- RAISE cp_conferences: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'cp_conferences') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        conference_id,
        person_id,
        s47_id,
        cp_plan_id,
        -- dates
        cast(conference_date as date) as conference_date,
        -- codes
        conference_type,
        child_participation,
        -- flags
        {{ yes_no_flag('outcome_plan') }} as outcome_plan,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
