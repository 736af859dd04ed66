-- SSD ssd_cp_reviews: every version of every record, typed and renamed to the warehouse's words.
-- The Mosaic deployment has no person id on a review (take the plan's). Filter with the
-- in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cp_reviews') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        cppr_cp_review_id as conference_id,
        cppr_person_id as person_id,
        cppr_cp_plan_id as cp_plan_id,
        -- dates
        {{ ssd_date('cppr_cp_review_due') }} as due_date,
        {{ ssd_date('cppr_cp_review_date') }} as conference_date,
        -- codes
        cppr_cp_review_participation as child_participation,
        -- flags
        {{ yes_no_flag('cppr_cp_review_outcome_continue_cp') }} as outcome_plan,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
