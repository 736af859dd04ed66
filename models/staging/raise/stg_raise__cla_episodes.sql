-- RAISE cla_episodes: every version of every record, typed. Filter with
-- the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('raise', 'cla_episodes') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        episode_id,
        person_id,
        -- dates
        cast(start_date as date) as start_date,
        cast(end_date as date) as end_date,
        -- codes
        reason_new_episode,
        legal_status,
        placement_type,
        placement_provider,
        reason_ceased,
        reason_place_change,
        -- contract v2 (empty in versions from v1 drops)
        category_of_need,
        home_postcode,
        placement_postcode,
        placement_urn,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
