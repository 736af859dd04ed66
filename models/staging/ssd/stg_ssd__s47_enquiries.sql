-- SSD ssd_s47_enquiry: every version of every record, typed and renamed to the warehouse's words.
-- icpc_required: the outcome JSON's CP_CONFERENCE_FLAG (set once the enquiry ended). Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_s47_enquiry') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        s47e_s47_enquiry_id as s47_id,
        s47e_referral_id as referral_id,
        s47e_person_id as person_id,
        s47e_s47_completed_by_team as team_id,
        s47e_s47_completed_by_worker_id as worker_id,
        -- dates
        {{ ssd_date('s47e_s47_start_date') }} as start_date,
        {{ ssd_date('s47e_s47_end_date') }} as end_date,
        -- flags
        {{ yes_no_flag(json_text('s47e_s47_outcome_json', 'CP_CONFERENCE_FLAG')) }}
            as icpc_required,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
