-- One row per child protection plan in the latest extract, numbered in order for each
-- child (plan_number_for_child > 1: a second or subsequent plan in this LA).
with cp_plans as (
    {{ latest_versions('int_source__cp_plans') }}
)

select
    -- keys
    {{ la_scoped_key('la_code', 'cp_plan_id') }} as cp_plan_key,
    la_code,
    cp_plan_id,
    {{ pseudonymous_id('la_code', 'person_id') }} as child_key,
    -- dates
    start_date,
    end_date,
    -- categories of abuse
    initial_category,
    latest_category,
    -- sequence
    cast(row_number() over (
        partition by la_code, person_id order by start_date, cp_plan_id
    ) as integer) as plan_number_for_child
from cp_plans
