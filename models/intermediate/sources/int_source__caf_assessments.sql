-- Early help assessments from either source, every version: CAF assessments of the CAF
-- database (caf_child_id: the CAF database's child, linked to a social-care person by
-- int_caf_children_linked), or SSD early help episodes, which are held against the
-- social-care person id itself: their caf_child_id is that person id.
select
    la_code,
    caf_id,
    caf_child_id,
    start_date,
    closure_date,
    initiating_agency,
    closure_reason,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_caf__caf_assessments') }}
union all
select
    la_code,
    early_help_id as caf_id,
    person_id as caf_child_id,
    start_date,
    closure_date,
    initiating_agency,
    closure_reason,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__early_help_episodes') }}
