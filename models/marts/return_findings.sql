-- The DfE validators' findings on the statutory returns (docs/returns.md): one row per rule
-- x record x column a validator flagged in an LA's SSDA903 return or CIN census for a
-- collection year, as at an extract. A child appears only as the pseudonymous child_key:
-- the child id of the return (the RAISE person id) stays in the work database and in the
-- worklist beside the returns (csc/returns/validate.py). latest_check marks the findings of
-- the latest as-at checked for the LA and year.
with findings as (
    select * from {{ ref('stg_returns__validation_findings') }}
),

latest as (
    select
        la_code,
        collection_year,
        max(as_at) as latest_as_at
    from findings
    group by la_code, collection_year
)

select
    findings.la_code,
    findings.collection_year,
    findings.as_at,
    findings.validated_at,
    findings.return_name,
    findings.rule_code,
    findings.rule_type,
    findings.message,
    findings.table_name,
    findings.column_name,
    case
        when findings.child_id is not null
            then {{ pseudonymous_id('findings.la_code', 'findings.child_id') }}
    end as child_key,
    findings.row_number,
    findings.as_at = latest.latest_as_at as latest_check
from findings
inner join latest
    on
    latest.la_code = findings.la_code
    and latest.collection_year = findings.collection_year
