-- Which team and worker a child is allocated to, and from when, on each extract date: the
-- team and worker of the child's latest referral, from its referral date until the next
-- referral. Measures whose records carry no team (CP plans, children in care, care
-- leavers, conferences without a referral) are attributed through this.
with referrals as (
    select * from {{ ref('int_referrals_as_at') }}
)

select
    as_at,
    la_code,
    person_id,
    referral_id,
    team_id,
    worker_id,
    referral_date as allocated_from,
    lead(referral_date) over (
        partition by as_at, la_code, person_id order by referral_date, referral_id
    ) as allocated_until
from referrals
