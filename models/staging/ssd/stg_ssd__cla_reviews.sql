-- SSD ssd_cla_reviews: every version of every record, typed and renamed to the warehouse's words.
-- Only the Mosaic deployment has the person id on a review (else: the period of care's). Filter
-- with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cla_reviews') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        clar_cla_review_id as review_id,
        clar_cla_id as period_of_care_id,
        clar_cla_person_id as person_id,
        -- dates
        {{ ssd_date('clar_cla_review_due_date') }} as due_date,
        {{ ssd_date('clar_cla_review_date') }} as review_date,
        -- codes
        clar_cla_review_participation as participation_code,
        -- flags
        {{ yes_no_flag('clar_cla_review_cancelled') }} as is_cancelled,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
