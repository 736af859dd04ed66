-- One row per initial, core or single assessment in the latest extract, with the working
-- days it took from its start and from its referral (initial and single assessments run
-- from the referral date, core assessments from their own start: measures.md), as
-- int_assessment_timeliness counted them.
with assessments as (
    {{ latest_versions('int_source__assessments') }}
),

referrals as (
    {{ latest_versions('int_source__referrals') }}
),

timeliness as (
    {{ as_at_latest_extract(ref('int_assessment_timeliness')) }}
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
    timeliness.working_days_from_start as working_days_start_to_completion,
    timeliness.working_days_from_referral as working_days_referral_to_completion
from assessments
left join referrals
    on referrals.la_code = assessments.la_code
    and referrals.referral_id = assessments.referral_id
left join timeliness
    on timeliness.la_code = assessments.la_code
    and timeliness.assessment_id = assessments.assessment_id
