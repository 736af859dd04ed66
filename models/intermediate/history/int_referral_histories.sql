-- Each referral on each extract date with its history: whether the child had a previous
-- referral in the 12 months before it (on or after the same day a year earlier, strictly
-- before the referral date), whether an initial or single assessment has started on it
-- (an assessment of no recorded type counts too: the SSD does not type its assessments,
-- each of which starts on a referral, where a core assessment only follows an initial one),
-- and whether it led to a section 47 enquiry.
with referrals as (
    select * from {{ ref('int_referrals_as_at') }}
),

assessments as (
    select * from {{ ref('int_assessments_as_at') }}
),

s47_enquiries as (
    select * from {{ ref('int_s47_enquiries_as_at') }}
),

previous_referrals as (
    select
        referrals.as_at,
        referrals.la_code,
        referrals.referral_id,
        max(earlier.referral_date) as previous_referral_date
    from referrals
    inner join referrals as earlier
        on earlier.as_at = referrals.as_at
        and earlier.la_code = referrals.la_code
        and earlier.person_id = referrals.person_id
        and earlier.referral_date < referrals.referral_date
    group by referrals.as_at, referrals.la_code, referrals.referral_id
),

assessed as (
    select distinct as_at, la_code, referral_id
    from assessments
    where (assessment_type in ('initial', 'single') or assessment_type is null)
        and referral_id is not null
),

enquired as (
    select distinct as_at, la_code, referral_id
    from s47_enquiries
    where referral_id is not null
)

select
    referrals.as_at,
    referrals.la_code,
    referrals.referral_id,
    referrals.contact_id,
    referrals.person_id,
    referrals.team_id,
    referrals.worker_id,
    referrals.referral_date,
    referrals.closure_date,
    referrals.closure_reason,
    coalesce(referrals.referral_nfa, false) as is_nfa,
    previous_referrals.previous_referral_date,
    coalesce(
        previous_referrals.previous_referral_date
        >= {{ add_months('referrals.referral_date', -12) }},
        false
    ) as is_re_referral,
    assessed.referral_id is not null as has_assessment_started,
    enquired.referral_id is not null as led_to_s47
from referrals
left join previous_referrals
    on previous_referrals.as_at = referrals.as_at
    and previous_referrals.la_code = referrals.la_code
    and previous_referrals.referral_id = referrals.referral_id
left join assessed
    on assessed.as_at = referrals.as_at
    and assessed.la_code = referrals.la_code
    and assessed.referral_id = referrals.referral_id
left join enquired
    on enquired.as_at = referrals.as_at
    and enquired.la_code = referrals.la_code
    and enquired.referral_id = referrals.referral_id
