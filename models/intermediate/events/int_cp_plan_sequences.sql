-- Each CP plan on each extract date with its place in the child's sequence of plans in this
-- LA (second or subsequent: the child had a plan starting earlier, however long ago) and
-- whether it lasted 2 years or more (end date on or after start date + 2 years).
with plans as (
    select * from {{ ref('int_cp_plans_as_at') }}
),

earlier_plans as (
    select
        plans.as_at,
        plans.la_code,
        plans.cp_plan_id,
        count(earlier.cp_plan_id) as earlier_plans
    from plans
    inner join plans as earlier
        on earlier.as_at = plans.as_at
        and earlier.la_code = plans.la_code
        and earlier.person_id = plans.person_id
        and earlier.start_date < plans.start_date
    group by plans.as_at, plans.la_code, plans.cp_plan_id
)

select
    plans.as_at,
    plans.la_code,
    plans.cp_plan_id,
    plans.person_id,
    plans.start_date,
    plans.end_date,
    coalesce(earlier_plans.earlier_plans, 0) + 1 as plan_number,
    earlier_plans.cp_plan_id is not null as is_second_or_subsequent,
    coalesce(plans.end_date >= {{ add_years('plans.start_date', 2) }}, false) as lasted_2yrs_plus
from plans
left join earlier_plans
    on earlier_plans.as_at = plans.as_at
    and earlier_plans.la_code = plans.la_code
    and earlier_plans.cp_plan_id = plans.cp_plan_id
