-- Each CP conference on each extract date with what its measures need: for initial
-- conferences the working days from the start of the section 47 enquiry (the strategy
-- discussion) to the conference; the child's age on the conference date; the team and
-- worker of the enquiry's referral. Transfer-in conferences keep their type so the
-- measures can leave them out.
with conferences as (
    select * from {{ ref('int_cp_conferences_as_at') }}
),

s47_enquiries as (
    select * from {{ ref('int_s47_enquiries_as_at') }}
),

referrals as (
    select * from {{ ref('int_referrals_as_at') }}
),

persons as (
    select * from {{ ref('int_persons_as_at') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    conferences.as_at,
    conferences.la_code,
    conferences.conference_id,
    conferences.person_id,
    conferences.s47_id,
    conferences.cp_plan_id,
    conferences.conference_type,
    conferences.conference_date,
    conferences.child_participation,
    referrals.team_id,
    referrals.worker_id,
    s47_enquiries.start_date as s47_start_date,
    {{ working_days_taken('start_day', 'conference_day') }} as working_days,
    coalesce({{ working_days_taken('start_day', 'conference_day') }} <= 15, false)
        as is_within_15wd,
    coalesce(persons.date_of_birth <= {{ add_years('conferences.conference_date', -4) }}, false)
        as is_aged_4_or_over
from conferences
left join s47_enquiries
    on s47_enquiries.as_at = conferences.as_at
    and s47_enquiries.la_code = conferences.la_code
    and s47_enquiries.s47_id = conferences.s47_id
left join referrals
    on referrals.as_at = s47_enquiries.as_at
    and referrals.la_code = s47_enquiries.la_code
    and referrals.referral_id = s47_enquiries.referral_id
left join persons
    on persons.as_at = conferences.as_at
    and persons.la_code = conferences.la_code
    and persons.person_id = conferences.person_id
left join calendar as start_day on start_day.date_day = s47_enquiries.start_date
left join calendar as conference_day on conference_day.date_day = conferences.conference_date
