-- One row per child protection conference (initial, review, transfer-in) in the latest
-- extract, with the working days from the S47 enquiry's start to the conference.
with conferences as (
    {{ latest_versions('stg_raise__cp_conferences') }}
),

s47_enquiries as (
    {{ latest_versions('stg_raise__s47_enquiries') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    -- keys
    {{ la_scoped_key('conferences.la_code', 'conferences.conference_id') }} as conference_key,
    conferences.la_code,
    conferences.conference_id,
    {{ pseudonymous_id('conferences.la_code', 'conferences.person_id') }} as child_key,
    {{ la_scoped_key('conferences.la_code', 'conferences.s47_id') }} as s47_key,
    {{ la_scoped_key('conferences.la_code', 'conferences.cp_plan_id') }} as cp_plan_key,
    -- what and when
    conferences.conference_type,
    conferences.conference_type = 'transfer_in' as is_transfer_in,
    conferences.conference_date,
    s47_enquiries.start_date as s47_start_date,
    -- outcome
    conferences.outcome_plan,
    conferences.child_participation,
    conference_day.working_day_number - s47_day.working_day_number
        as working_days_from_s47_start
from conferences
left join s47_enquiries
    on s47_enquiries.la_code = conferences.la_code
    and s47_enquiries.s47_id = conferences.s47_id
left join calendar as s47_day on s47_day.date_day = s47_enquiries.start_date
left join calendar as conference_day on conference_day.date_day = conferences.conference_date
