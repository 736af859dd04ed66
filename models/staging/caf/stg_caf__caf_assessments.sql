-- CAF caf_assessments: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('caf', 'caf_assessments') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        caf_id,
        caf_child_id,
        -- dates
        cast(start_date as date) as start_date,
        cast(closure_date as date) as closure_date,
        -- codes
        initiating_agency,
        -- attributes
        closure_reason,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
