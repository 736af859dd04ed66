-- RAISE referrals: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'referrals') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        referral_id,
        contact_id,
        person_id,
        team_id,
        worker_id,
        -- dates
        cast(referral_date as date) as referral_date,
        cast(closure_date as date) as closure_date,
        -- codes
        referral_source_code,
        closure_reason,
        primary_need_code,
        -- flags
        {{ yes_no_flag('referral_nfa') }} as referral_nfa,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
