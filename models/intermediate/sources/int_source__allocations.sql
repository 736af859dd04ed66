-- Allocations from either source, every version: RAISE's, or the SSD's involvements. An
-- involvement without a person id (the Mosaic deployment) takes its referral's person
-- (ids do not change between versions); one with neither cannot be credited and is left
-- out.
with ssd_referral_persons as (
    select distinct la_code, referral_id, person_id
    from {{ ref('stg_ssd__referrals') }}
)

select
    la_code,
    allocation_id,
    person_id,
    team_id,
    worker_id,
    allocation_role,
    start_date,
    end_date,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__allocations') }}
union all
select
    involvements.la_code,
    involvements.allocation_id,
    coalesce(involvements.person_id, ssd_referral_persons.person_id) as person_id,
    involvements.team_id,
    involvements.worker_id,
    involvements.allocation_role,
    involvements.start_date,
    involvements.end_date,
    involvements.valid_from,
    involvements.valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__allocations') }} as involvements
left join ssd_referral_persons
    on ssd_referral_persons.la_code = involvements.la_code
    and ssd_referral_persons.referral_id = involvements.referral_id
where coalesce(involvements.person_id, ssd_referral_persons.person_id) is not null
