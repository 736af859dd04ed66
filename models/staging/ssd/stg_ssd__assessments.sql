-- SSD ssd_cin_assessments: every version of every record, typed and renamed to the warehouse's
-- words. The SSD holds no assessment type: completed_date is the authorisation date. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cin_assessments') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        cina_assessment_id as assessment_id,
        cina_referral_id as referral_id,
        cina_person_id as person_id,
        cina_assessment_team as team_id,
        cina_assessment_worker_id as worker_id,
        -- dates
        {{ ssd_date('cina_assessment_start_date') }} as start_date,
        {{ ssd_date('cina_assessment_auth_date') }} as completed_date,
        -- flags
        {{ yes_no_flag('cina_assessment_outcome_nfa') }} as outcome_nfa,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
