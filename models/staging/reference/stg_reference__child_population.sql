-- REFERENCE child_population: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('reference', 'child_population') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        -- numbers
        cast(year as integer) as year,
        cast(population_0_17 as integer) as population_0_17,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
