-- CAF children linked to RAISE persons (csc.linkage): by the RAISE id the CAF record
-- carries, by a clerical decision, or probabilistically (Splink).
with source as (
    select * from {{ source('linkage', 'caf_person_links') }}
),

renamed as (
    select
        -- ids
        la_code,
        caf_child_id,
        person_id,
        -- how it was linked
        link_method,
        match_probability
    from source
)

select * from renamed
