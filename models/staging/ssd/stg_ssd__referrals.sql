-- SSD ssd_cin_episodes: every version of every record, typed and renamed to the warehouse's words.
-- A CIN episode is a referral. Filter with the in_force_at() macro to see the data as it stood on
-- an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cin_episodes') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        cine_referral_id as referral_id,
        cine_person_id as person_id,
        cine_referral_team as team_id,
        cine_referral_worker_id as worker_id,
        -- dates
        {{ ssd_date('cine_referral_date') }} as referral_date,
        {{ ssd_date('cine_close_date') }} as closure_date,
        -- codes
        cine_referral_source_code as referral_source_code,
        cine_close_reason as closure_reason,
        cine_cin_primary_need_code as primary_need_code,
        -- flags
        {{ yes_no_flag('cine_referral_nfa') }} as referral_nfa,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
