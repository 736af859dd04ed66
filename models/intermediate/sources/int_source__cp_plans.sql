-- Child protection plans from either source, every version.
select
    la_code,
    cp_plan_id,
    person_id,
    start_date,
    end_date,
    initial_category,
    latest_category,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__cp_plans') }}
union all
select
    la_code,
    cp_plan_id,
    person_id,
    start_date,
    end_date,
    initial_category,
    latest_category,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__cp_plans') }}
