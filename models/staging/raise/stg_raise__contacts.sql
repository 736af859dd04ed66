-- RAISE contacts: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'contacts') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        contact_id,
        person_id,
        team_id,
        worker_id,
        -- dates
        cast(contact_date as date) as contact_date,
        cast(decision_date as date) as decision_date,
        -- codes
        contact_source,
        contact_source_code,
        outcome,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
