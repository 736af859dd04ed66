-- SSD ssd_cp_plans: every version of every record, typed and renamed to the warehouse's words.
-- Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cp_plans') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        cppl_cp_plan_id as cp_plan_id,
        cppl_person_id as person_id,
        cppl_referral_id as referral_id,
        cppl_icpc_id as conference_id,
        -- dates
        {{ ssd_date('cppl_cp_plan_start_date') }} as start_date,
        {{ ssd_date('cppl_cp_plan_end_date') }} as end_date,
        -- codes
        cppl_cp_plan_initial_category as initial_category,
        cppl_cp_plan_latest_category as latest_category,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
