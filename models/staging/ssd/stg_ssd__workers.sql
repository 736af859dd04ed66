-- SSD ssd_professionals: every version of every record, typed and renamed to the warehouse's
-- words. The professional's team is its department name; the team id comes from ssd_department by
-- that name. Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_professionals') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        prof_professional_id as worker_id,
        -- codes
        prof_professional_job_title as role,
        -- attributes
        prof_professional_department as team_name,
        {{ yes_no_flag('prof_agency_worker_flag') }} as is_agency_worker,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
