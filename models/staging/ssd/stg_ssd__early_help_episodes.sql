-- SSD ssd_early_help_episodes: every version of every record, typed and renamed to the warehouse's
-- words. An early help episode is held against the social-care person id: no linkage needed.
-- Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_early_help_episodes') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        earl_episode_id as early_help_id,
        earl_person_id as person_id,
        earl_episode_worker_id as worker_id,
        -- dates
        {{ ssd_date('earl_episode_start_date') }} as start_date,
        {{ ssd_date('earl_episode_end_date') }} as closure_date,
        -- codes
        earl_episode_organisation as initiating_agency,
        -- attributes
        earl_episode_reason as episode_reason,
        earl_episode_end_reason as closure_reason,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
