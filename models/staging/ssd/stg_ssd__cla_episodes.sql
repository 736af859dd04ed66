-- SSD ssd_cla_episodes: every version of every record, typed and renamed to the warehouse's words.
-- Placement and legal status are separate tables (stg_ssd__cla_placements,
-- stg_ssd__legal_statuses). Filter with the in_force_at() macro to see the data as it stood on an
-- extract date.
with source as (
    select * from {{ source('ssd', 'ssd_cla_episodes') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        clae_cla_episode_id as episode_id,
        clae_person_id as person_id,
        clae_cla_id as period_of_care_id,
        clae_cla_placement_id as placement_id,
        clae_referral_id as referral_id,
        -- dates
        {{ ssd_date('clae_cla_episode_start_date') }} as start_date,
        {{ ssd_date('clae_cla_episode_ceased_date') }} as end_date,
        {{ ssd_date('clae_entered_care_date') }} as entered_care_date,
        -- codes
        clae_cla_episode_start_reason as reason_new_episode,
        clae_cla_episode_ceased_reason as reason_ceased,
        clae_cla_primary_need_code as primary_need_code,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
