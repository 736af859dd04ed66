-- Each CAF assessment on each extract date with the RAISE person its child is linked to
-- on that date (int_caf_children_linked); CAFs of children with no link have a NULL person_id.
with caf_assessments as (
    select * from {{ ref('int_caf_assessments_as_at') }}
),

links as (
    select * from {{ ref('int_caf_children_linked') }}
)

select
    caf_assessments.as_at,
    caf_assessments.la_code,
    caf_assessments.caf_id,
    caf_assessments.caf_child_id,
    links.person_id,
    caf_assessments.initiating_agency,
    caf_assessments.start_date,
    caf_assessments.closure_date
from caf_assessments
left join links
    on links.as_at = caf_assessments.as_at
    and links.la_code = caf_assessments.la_code
    and links.caf_child_id = caf_assessments.caf_child_id
