-- SSD ssd_involvements: every version of every record, typed and renamed to the warehouse's words.
-- An involvement is an allocation: who held the case from when to when (no person id in the Mosaic
-- deployment). Filter with the in_force_at() macro to see the data as it stood on an extract date.
with source as (
    select * from {{ source('ssd', 'ssd_involvements') }}
    -- versions the loader left out (docs/loading.md) are not data for the models
    where not coalesce(_left_out, false)
),

renamed as (
    select
        -- ids
        la_code,
        invo_involvements_id as allocation_id,
        invo_person_id as person_id,
        invo_referral_id as referral_id,
        invo_professional_team as team_id,
        -- empty: the case is held by the team, waiting for a worker
        nullif(invo_professional_id, '') as worker_id,
        -- codes
        invo_professional_role_id as allocation_role,
        -- dates
        {{ ssd_date('invo_involvement_start_date') }} as start_date,
        {{ ssd_date('invo_involvement_end_date') }} as end_date,
        -- history
        _valid_from as valid_from,
        _valid_to as valid_to
    from source
)

select * from renamed
