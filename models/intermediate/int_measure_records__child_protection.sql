-- Records behind the child protection measures:
--   s47_completed_15wd          enquiries ending in the window; within 15 working days of start
--   icpc_15wd                   initial conferences in the window (transfer-in conferences are
--                               their own type and never counted); within 15 working days of
--                               the S47 start
--   child_participation_cp_conferences  initial and review conferences in the window for
--                               children aged 4+; the child attended or conveyed views
--   cp_plans_second_or_subsequent  plans starting in the window; the child had an earlier plan
--   cp_plans_2yrs_plus          plans ending in the window; lasted 2 years or more
--   cp_at_period_end            children with a plan open on the period end (one record each)
--   cp_reviews_on_time          plans open on the period end that started at least 3 months
--                               before it; every review falling due in the window was held on
--                               or before its due date
-- Team and worker: the referral behind the enquiry where there is one, otherwise the child's
-- allocation (int_child_allocations) on the record's date.
{{ config(materialized='table') }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id in ('s47_completed_15wd', 'icpc_15wd', 'child_participation_cp_conferences',
                         'cp_plans_second_or_subsequent', 'cp_plans_2yrs_plus', 'cp_at_period_end',
                         'cp_reviews_on_time')
),

s47_enquiries as (
    select * from {{ ref('int_s47_enquiry_timeliness') }}
),

conferences as (
    select * from {{ ref('int_conference_timeliness') }}
),

plans as (
    select * from {{ ref('int_cp_plan_sequences') }}
),

review_schedule as (
    select * from {{ ref('int_cp_review_schedule') }}
),

allocations as (
    select * from {{ ref('int_child_allocations') }}
),

enquiries_ended as (
    select grid.reporting_period, s47_enquiries.*
    from grid
    inner join s47_enquiries
        on s47_enquiries.as_at = grid.as_at
        and s47_enquiries.end_date between grid.window_start and grid.window_end
    where grid.measure_id = 's47_completed_15wd'
),

conferences_held as (
    select grid.measure_id, grid.reporting_period, conferences.*
    from grid
    inner join conferences
        on conferences.as_at = grid.as_at
        and conferences.conference_date between grid.window_start and grid.window_end
    where grid.measure_id in ('icpc_15wd', 'child_participation_cp_conferences')
),

plans_in_window as (
    select grid.measure_id, grid.reporting_period, grid.window_start, grid.window_end, plans.*
    from grid
    inner join plans
        on plans.as_at = grid.as_at
        and (
            (grid.measure_id = 'cp_plans_second_or_subsequent'
                and plans.start_date between grid.window_start and grid.window_end)
            or (grid.measure_id = 'cp_plans_2yrs_plus'
                and plans.end_date between grid.window_start and grid.window_end)
            or (grid.measure_id in ('cp_at_period_end', 'cp_reviews_on_time')
                and {{ is_open_on('plans.start_date', 'plans.end_date', 'grid.window_end') }})
        )
),

late_reviews as (
    select distinct
        plans_in_window.reporting_period,
        plans_in_window.as_at,
        plans_in_window.la_code,
        plans_in_window.cp_plan_id
    from plans_in_window
    inner join review_schedule
        on review_schedule.as_at = plans_in_window.as_at
        and review_schedule.la_code = plans_in_window.la_code
        and review_schedule.cp_plan_id = plans_in_window.cp_plan_id
        and review_schedule.due_date between plans_in_window.window_start and plans_in_window.window_end
        and (review_schedule.held_date is null or review_schedule.held_date > review_schedule.due_date)
    where plans_in_window.measure_id = 'cp_reviews_on_time'
),

plans_reviewed as (
    select
        plans_in_window.*,
        late_reviews.cp_plan_id is null as reviews_on_time
    from plans_in_window
    left join late_reviews
        on late_reviews.reporting_period = plans_in_window.reporting_period
        and late_reviews.as_at = plans_in_window.as_at
        and late_reviews.la_code = plans_in_window.la_code
        and late_reviews.cp_plan_id = plans_in_window.cp_plan_id
    where plans_in_window.measure_id = 'cp_reviews_on_time'
      and plans_in_window.start_date <= {{ add_months('plans_in_window.window_end', -3) }}
),

children_on_plans as (
    select
        plans_in_window.*,
        row_number() over (
            partition by plans_in_window.reporting_period, plans_in_window.as_at,
                plans_in_window.la_code, plans_in_window.person_id
            order by plans_in_window.start_date desc, plans_in_window.cp_plan_id
        ) as plan_rank
    from plans_in_window
    where plans_in_window.measure_id = 'cp_at_period_end'
),

records as (
    select {{ measure_record('s47_completed_15wd', 's47_enquiry', 's47_id', 'is_within_15wd', 'end_date',
                             start_date='start_date', working_days='working_days') }}
    from enquiries_ended
    union all
    select {{ measure_record('icpc_15wd', 'cp_conference', 'conference_id', 'is_within_15wd',
                             'conference_date', start_date='s47_start_date', working_days='working_days') }}
    from conferences_held
    where measure_id = 'icpc_15wd' and conference_type = 'initial'
    union all
    select {{ measure_record('child_participation_cp_conferences', 'cp_conference', 'conference_id',
                             "child_participation in ('attended', 'views_conveyed')", 'conference_date') }}
    from conferences_held
    where measure_id = 'child_participation_cp_conferences'
      and conference_type in ('initial', 'review') and is_aged_4_or_over
    union all
    select {{ measure_record('cp_plans_second_or_subsequent', 'cp_plan', 'cp_plan_id',
                             'is_second_or_subsequent', 'start_date', team_id='null', worker_id='null') }}
    from plans_in_window where measure_id = 'cp_plans_second_or_subsequent'
    union all
    select {{ measure_record('cp_plans_2yrs_plus', 'cp_plan', 'cp_plan_id', 'lasted_2yrs_plus',
                             'end_date', start_date='start_date', team_id='null', worker_id='null') }}
    from plans_in_window where measure_id = 'cp_plans_2yrs_plus'
    union all
    select {{ measure_record('cp_at_period_end', 'cp_plan', 'cp_plan_id', 'true', 'window_end',
                             start_date='start_date', team_id='null', worker_id='null') }}
    from children_on_plans where plan_rank = 1
    union all
    select {{ measure_record('cp_reviews_on_time', 'cp_plan', 'cp_plan_id', 'reviews_on_time',
                             'window_end', start_date='start_date', team_id='null', worker_id='null') }}
    from plans_reviewed
)

select
    records.la_code,
    records.measure_id,
    records.reporting_period,
    records.as_at,
    records.record_type,
    records.record_id,
    records.person_id,
    coalesce(records.team_id, allocation.team_id) as team_id,
    coalesce(records.worker_id, allocation.worker_id) as worker_id,
    records.start_date,
    records.event_date,
    records.working_days,
    records.initiating_agency,
    records.has_team_breakdown,
    records.has_agency_breakdown,
    records.in_numerator
from records
left join allocations as allocation
    on {{ allocated_on('records', 'records.event_date') }}
