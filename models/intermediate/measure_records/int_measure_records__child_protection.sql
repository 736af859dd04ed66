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
-- Team and worker: S47 enquiries and initial conferences carry the team and worker of the
-- referral behind the enquiry (catalogue team_source = 'record'); plans and conferences for
-- child participation carry none: int_measure_records credits the child's allocation on the
-- record's date (team_source = 'allocation').
with s47_enquiries as (
    {{ records_in_scope(ref('int_s47_enquiry_timeliness')) }}
),

conferences as (
    {{ records_in_scope(ref('int_conference_timeliness')) }}
),

plans as (
    {{ records_in_scope(ref('int_cp_plan_sequences')) }}
),

review_schedule as (
    {{ records_in_scope(ref('int_cp_review_schedule')) }}
),

enquiries_ended as (
    {{ records_in_window('s47_completed_15wd', 's47_enquiries', date_column='end_date') }}
),

conferences_held as (
    {{ records_in_window(['icpc_15wd', 'child_participation_cp_conferences'], 'conferences',
                         date_column='conference_date') }}
),

plans_started as (
    {{ records_in_window('cp_plans_second_or_subsequent', 'plans', date_column='start_date') }}
),

plans_ended as (
    {{ records_in_window('cp_plans_2yrs_plus', 'plans', date_column='end_date') }}
),

plans_open as (
    {{ records_in_window(['cp_at_period_end', 'cp_reviews_on_time'], 'plans',
                         open_on_window_end=('start_date', 'end_date')) }}
),

late_reviews as (
    select distinct
        plans_open.reporting_period,
        plans_open.as_at,
        plans_open.la_code,
        plans_open.cp_plan_id
    from plans_open
    inner join review_schedule
        on review_schedule.as_at = plans_open.as_at
        and review_schedule.la_code = plans_open.la_code
        and review_schedule.cp_plan_id = plans_open.cp_plan_id
        and review_schedule.due_date between plans_open.window_start and plans_open.window_end
        and (
            review_schedule.held_date is null
            or review_schedule.held_date > review_schedule.due_date
        )
    where plans_open.measure_id = 'cp_reviews_on_time'
),

plans_reviewed as (
    select
        plans_open.*,
        late_reviews.cp_plan_id is null as reviews_on_time
    from plans_open
    left join late_reviews
        on late_reviews.reporting_period = plans_open.reporting_period
        and late_reviews.as_at = plans_open.as_at
        and late_reviews.la_code = plans_open.la_code
        and late_reviews.cp_plan_id = plans_open.cp_plan_id
    where plans_open.measure_id = 'cp_reviews_on_time'
        and plans_open.start_date <= {{ add_months('plans_open.window_end', -3) }}
),

-- each child's latest open plan
children_on_plans as (
    {{ first_per_child('plans_open', 'start_date desc, cp_plan_id') }}
),

records as (
    select {{ measure_record('s47_completed_15wd', 's47_enquiry', 's47_id', 'is_within_15wd',
                             'end_date', start_date='start_date', working_days='working_days') }}
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
    from plans_started
    union all
    select {{ measure_record('cp_plans_2yrs_plus', 'cp_plan', 'cp_plan_id', 'lasted_2yrs_plus',
                             'end_date', start_date='start_date', team_id='null', worker_id='null') }}
    from plans_ended
    union all
    select {{ measure_record('cp_at_period_end', 'cp_plan', 'cp_plan_id', 'true', 'window_end',
                             start_date='start_date', team_id='null', worker_id='null') }}
    from children_on_plans where measure_id = 'cp_at_period_end'
    union all
    select {{ measure_record('cp_reviews_on_time', 'cp_plan', 'cp_plan_id', 'reviews_on_time',
                             'window_end', start_date='start_date', team_id='null', worker_id='null') }}
    from plans_reviewed
)

select * from records
