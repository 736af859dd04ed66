-- The review schedule of each CP plan on each extract date: one row per review falling
-- due, with its due date and the date it was held. The first review is due 3 months after
-- the plan started, each later one 6 months after the previous review was held; the row
-- after the last review held is the next review, due but not (yet) held.
with plans as (
    select * from {{ ref('int_cp_plans_as_at') }}
),

conferences as (
    select * from {{ ref('int_cp_conferences_as_at') }}
),

reviews as (
    select
        as_at,
        la_code,
        cp_plan_id,
        conference_date as held_date,
        row_number() over (
            partition by as_at, la_code, cp_plan_id order by conference_date, conference_id
        ) as review_number
    from conferences
    where conference_type = 'review' and cp_plan_id is not null
),

held as (
    select
        as_at,
        la_code,
        cp_plan_id,
        review_number,
        held_date,
        lag(held_date) over (
            partition by as_at, la_code, cp_plan_id order by review_number
        ) as previous_review_date
    from reviews
),

next_due as (
    select
        plans.as_at,
        plans.la_code,
        plans.cp_plan_id,
        coalesce(max(reviews.review_number), 0) + 1 as review_number,
        cast(null as date) as held_date,
        max(reviews.held_date) as previous_review_date
    from plans
    left join reviews
        on reviews.as_at = plans.as_at
        and reviews.la_code = plans.la_code
        and reviews.cp_plan_id = plans.cp_plan_id
    group by plans.as_at, plans.la_code, plans.cp_plan_id
),

schedule as (
    select * from held
    union all
    select * from next_due
)

select
    schedule.as_at,
    schedule.la_code,
    schedule.cp_plan_id,
    plans.person_id,
    plans.start_date as plan_start_date,
    plans.end_date as plan_end_date,
    schedule.review_number,
    case
        when schedule.previous_review_date is null then {{ add_months('plans.start_date', 3) }}
        else {{ add_months('schedule.previous_review_date', 6) }}
    end as due_date,
    schedule.held_date
from schedule
inner join plans
    on plans.as_at = schedule.as_at
    and plans.la_code = schedule.la_code
    and plans.cp_plan_id = schedule.cp_plan_id
