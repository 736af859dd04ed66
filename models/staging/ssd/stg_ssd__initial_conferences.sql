-- SSD ssd_initial_cp_conference: every version of every record, typed and renamed to the
-- warehouse's words. A transfer-in conference is flagged. Filter with the in_force_at() macro to
-- see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_initial_cp_conference') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        icpc_icpc_id as conference_id,
        icpc_person_id as person_id,
        icpc_s47_enquiry_id as s47_id,
        icpc_cp_plan_id as cp_plan_id,
        icpc_referral_id as referral_id,
        icpc_icpc_team as team_id,
        icpc_icpc_worker_id as worker_id,
        -- dates
        {{ ssd_date('icpc_icpc_date') }} as conference_date,
        -- flags
        {{ yes_no_flag('icpc_icpc_transfer_in') }} as is_transfer_in,
        {{ yes_no_flag('icpc_icpc_outcome_cp_flag') }} as outcome_plan,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
