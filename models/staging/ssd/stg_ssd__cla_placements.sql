-- SSD ssd_cla_placement: every version of every record, typed and renamed to the warehouse's
-- words. Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cla_placement') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        clap_cla_placement_id as placement_id,
        clap_cla_id as period_of_care_id,
        clap_person_id as person_id,
        -- dates
        {{ ssd_date('clap_cla_placement_start_date') }} as start_date,
        {{ ssd_date('clap_cla_placement_end_date') }} as end_date,
        -- codes
        clap_cla_placement_type as placement_type,
        clap_cla_placement_provider as placement_provider,
        clap_cla_placement_change_reason as reason_place_change,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
