-- Each section 47 enquiry on each extract date with the working days from its start (the
-- strategy discussion) to its end, and the team and worker of the referral it came from.
with s47_enquiries as (
    select * from {{ ref('int_s47_enquiries_as_at') }}
),

referrals as (
    select * from {{ ref('int_referrals_as_at') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    s47_enquiries.as_at,
    s47_enquiries.la_code,
    s47_enquiries.s47_id,
    s47_enquiries.referral_id,
    s47_enquiries.person_id,
    referrals.team_id,
    referrals.worker_id,
    s47_enquiries.start_date,
    s47_enquiries.end_date,
    {{ working_days_taken('start_day', 'end_day') }} as working_days,
    coalesce({{ working_days_taken('start_day', 'end_day') }} <= 15, false) as is_within_15wd
from s47_enquiries
left join referrals
    on referrals.as_at = s47_enquiries.as_at
    and referrals.la_code = s47_enquiries.la_code
    and referrals.referral_id = s47_enquiries.referral_id
left join calendar as start_day on start_day.date_day = s47_enquiries.start_date
left join calendar as end_day on end_day.date_day = s47_enquiries.end_date
