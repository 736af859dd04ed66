-- RAISE assessments: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'assessments') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        assessment_id,
        referral_id,
        person_id,
        team_id,
        worker_id,
        -- dates
        cast(start_date as date) as start_date,
        cast(completed_date as date) as completed_date,
        -- codes
        assessment_type,
        -- contract v2 (empty in versions from v1 drops)
        cast(authorisation_date as date) as authorisation_date,
        factors,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
