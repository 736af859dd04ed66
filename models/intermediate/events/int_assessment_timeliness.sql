-- Each assessment on each extract date with its timescale and the working days it took:
-- initial (10) and single (45) assessments from the referral date, core (35) from their own
-- start date, to the completion (authorisation) date. An initial or single assessment with
-- no referral on record is timed from its own start date. Both counts (from its start,
-- from its referral) are kept: fct_assessments publishes them.
with assessments as (
    select * from {{ ref('int_assessments_as_at') }}
),

referrals as (
    select * from {{ ref('int_referrals_as_at') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
),

clocked as (
    select
        assessments.as_at,
        assessments.la_code,
        assessments.assessment_id,
        assessments.referral_id,
        assessments.person_id,
        assessments.team_id,
        assessments.worker_id,
        assessments.assessment_type,
        assessments.start_date,
        assessments.completed_date,
        referrals.referral_date,
        case
            when assessments.assessment_type = 'core' then assessments.start_date
            else coalesce(referrals.referral_date, assessments.start_date)
        end as clock_start_date,
        case assessments.assessment_type
            when 'initial' then 10
            when 'core' then 35
            when 'single' then 45
        end as timescale_working_days
    from assessments
    left join referrals
        on referrals.as_at = assessments.as_at
        and referrals.la_code = assessments.la_code
        and referrals.referral_id = assessments.referral_id
),

timed as (
    select
        clocked.*,
        {{ working_days_taken('start_day', 'completed_day') }} as working_days_from_start,
        {{ working_days_taken('referral_day', 'completed_day') }} as working_days_from_referral
    from clocked
    left join calendar as start_day on start_day.date_day = clocked.start_date
    left join calendar as referral_day on referral_day.date_day = clocked.referral_date
    left join calendar as completed_day on completed_day.date_day = clocked.completed_date
),

on_the_clock as (
    select
        timed.*,
        -- the working days from clock_start_date
        case
            when timed.assessment_type = 'core' or timed.referral_date is null
                then timed.working_days_from_start
            else timed.working_days_from_referral
        end as working_days
    from timed
)

select
    on_the_clock.*,
    coalesce(on_the_clock.working_days <= on_the_clock.timescale_working_days, false)
        as is_within_timescale
from on_the_clock
