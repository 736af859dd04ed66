-- Records behind caf2_commenced: CAF assessments started in the window, broken down by
-- initiating agency. The CAF database holds no RAISE team or worker, so this measure has no
-- team or worker breakdown; person_id is the linked RAISE person where there is a link.
with caf_assessments as (
    select * from {{ ref('int_caf_assessments_as_at') }}
),

links as (
    select as_at, la_code, caf_child_id, min(person_id) as person_id
    from {{ ref('int_caf_children_linked') }}
    group by as_at, la_code, caf_child_id
),

commenced as (
    {{ records_in_window('caf2_commenced', 'caf_assessments', date_column='start_date') }}
),

commenced_linked as (
    select commenced.*, links.person_id
    from commenced
    left join links
        on links.as_at = commenced.as_at
        and links.la_code = commenced.la_code
        and links.caf_child_id = commenced.caf_child_id
)

select {{ measure_record('caf2_commenced', 'caf_assessment', 'caf_id', 'true', 'start_date',
                         team_id='null', worker_id='null', initiating_agency='initiating_agency',
                         has_team_breakdown=false, has_agency_breakdown=true) }}
from commenced_linked
