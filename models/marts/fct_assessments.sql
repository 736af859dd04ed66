-- One row per initial, core or single assessment in the latest extract, with the working
-- days it took from its start and from its referral (initial and single assessments run
-- from the referral date, core assessments from their own start: measures.md).
with assessments as (
    {{ latest_versions('stg_raise__assessments') }}
),

referrals as (
    {{ latest_versions('stg_raise__referrals') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    -- keys
    {{ la_scoped_key('assessments.la_code', 'assessments.assessment_id') }} as assessment_key,
    assessments.la_code,
    assessments.assessment_id,
    {{ la_scoped_key('assessments.la_code', 'assessments.referral_id') }} as referral_key,
    {{ pseudonymous_id('assessments.la_code', 'assessments.person_id') }} as child_key,
    {{ la_scoped_key('assessments.la_code', 'assessments.team_id') }} as team_key,
    {{ la_scoped_key('assessments.la_code', 'assessments.worker_id') }} as worker_key,
    -- what and when
    assessments.assessment_type,
    referrals.referral_date,
    assessments.start_date,
    assessments.completed_date,
    -- timeliness (NULL until completed)
    completed_day.working_day_number - start_day.working_day_number
        as working_days_start_to_completion,
    completed_day.working_day_number - referral_day.working_day_number
        as working_days_referral_to_completion
from assessments
left join referrals
    on referrals.la_code = assessments.la_code
    and referrals.referral_id = assessments.referral_id
left join calendar as start_day on start_day.date_day = assessments.start_date
left join calendar as completed_day on completed_day.date_day = assessments.completed_date
left join calendar as referral_day on referral_day.date_day = referrals.referral_date
