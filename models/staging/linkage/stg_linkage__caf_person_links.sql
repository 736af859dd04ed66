-- CAF children linked to RAISE persons (csc.linkage): by the RAISE id the CAF record
-- carries, by a clerical decision, or probabilistically (Splink). Every version of every
-- link: filter with the in_force_at() macro to see the links as they stood on an extract
-- date (a link holds from the extract date of the run that made it until the run that
-- dropped or changed it; the first run's links hold from the start of history).
with source as (
    select * from {{ source('linkage', 'caf_person_link_versions') }}
),

renamed as (
    select
        -- ids
        la_code,
        caf_child_id,
        person_id,
        -- how it was linked
        link_method,
        match_probability,
        -- history
        valid_from,
        valid_to
    from source
)

select * from renamed
