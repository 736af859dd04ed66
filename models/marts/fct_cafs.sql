-- One row per CAF assessment in the latest extract, with its initiating agency and the
-- RAISE child it is linked to (child_key NULL when the CAF child has no RAISE person id, or
-- one the latest RAISE extract does not hold). An SSD early help episode is held against
-- the person id itself (int_source__caf_assessments: its caf_child_id).
with cafs as (
    {{ latest_versions('int_source__caf_assessments') }}
),

caf_children as (
    {{ latest_versions('stg_caf__caf_children') }}
),

persons as (
    {{ latest_versions('int_source__persons') }}
)

select
    -- keys
    {{ la_scoped_key('cafs.la_code', 'cafs.caf_id') }} as caf_key,
    cafs.la_code,
    cafs.caf_id,
    case when persons.person_id is not null then
            {{ pseudonymous_id('persons.la_code', 'persons.person_id') }}
    end as child_key,
    {{ agency_key('caf_initiating_agency', 'cafs.initiating_agency') }} as initiating_agency_key,
    -- dates
    cafs.start_date,
    cafs.closure_date,
    -- codes
    cafs.initiating_agency,
    cafs.closure_reason
from cafs
left join caf_children
    on caf_children.la_code = cafs.la_code
    and caf_children.caf_child_id = cafs.caf_child_id
left join persons
    on persons.la_code = cafs.la_code
    and persons.person_id = case
        when cafs.source_system = 'ssd' then cafs.caf_child_id
        else caf_children.raise_person_id
    end
