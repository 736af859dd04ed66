-- SSD ssd_care_leavers: every version of every record, typed and renamed to the warehouse's words.
-- One row per care leaver: the latest keeping-in-touch contact only. Filter with the in_force_at()
-- macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_care_leavers') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        clea_table_id as care_leaver_id,
        clea_person_id as person_id,
        clea_care_leaver_allocated_team as team_id,
        clea_care_leaver_worker_id as worker_id,
        -- dates
        {{ ssd_date('clea_care_leaver_latest_contact') }} as contact_date,
        -- codes
        clea_care_leaver_in_touch as in_touch,
        clea_care_leaver_activity as activity,
        clea_care_leaver_accommodation as accommodation,
        -- flags
        {{ yes_no_flag('clea_care_leaver_accom_suitable') }} as accommodation_suitable,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
