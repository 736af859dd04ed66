-- SSD ssd_contacts: every version of every record, typed and renamed to the warehouse's words. The
-- outcome is read from the outcome JSON: a new referral, or no further action (closed and logged);
-- empty flags: not decided yet. Filter with the in_force_at() macro to see the data as it stood on
-- an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_contacts') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        cont_contact_id as contact_id,
        cont_person_id as person_id,
        -- dates
        {{ ssd_date('cont_contact_date') }} as contact_date,
        -- codes
        cont_contact_source_desc as contact_source,
        cont_contact_source_code as contact_source_code,
        case
            when {{ json_text('cont_contact_outcome_json', 'NEW_REFERRAL_FLAG') }} = 'Y'
                then 'referral'
            when {{ json_text('cont_contact_outcome_json', 'NFA_FLAG') }} = 'Y'
                then 'closed_logged'
        end as outcome,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
