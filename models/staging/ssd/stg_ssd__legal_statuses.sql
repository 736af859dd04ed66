-- SSD ssd_legal_status: every version of every record, typed and renamed to the warehouse's words.
-- Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_legal_status') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        lega_legal_status_id as legal_status_id,
        lega_person_id as person_id,
        -- dates
        {{ ssd_date('lega_legal_status_start_date') }} as start_date,
        {{ ssd_date('lega_legal_status_end_date') }} as end_date,
        -- codes
        lega_legal_status as legal_status,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
