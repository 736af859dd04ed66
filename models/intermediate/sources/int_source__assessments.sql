-- Assessments from either source, every version. The SSD holds no assessment type
-- (assessment_type NULL): its assessments cannot be told initial, core or single, and
-- the measures on one type publish nothing from it (catalogue ssd_support).
select
    la_code,
    assessment_id,
    referral_id,
    person_id,
    team_id,
    worker_id,
    start_date,
    completed_date,
    assessment_type,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__assessments') }}
union all
select
    la_code,
    assessment_id,
    referral_id,
    person_id,
    team_id,
    worker_id,
    start_date,
    completed_date,
    cast(null as {{ dbt.type_string() }}) as assessment_type,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__assessments') }}
