-- Every record of a measure broken down by initiating agency has its agency in
-- int_measure_agencies for its LA, measure and extract. A record whose agency is missing
-- would count in the headline but in no agency row, so the agency rows would not add up to
-- the headline (a new agency-broken measure whose source was not added there, say).
with records as (
    select distinct
        la_code,
        measure_id,
        as_at,
        coalesce(initiating_agency, 'unallocated') as agency
    from {{ ref('int_measure_records') }}
    where has_agency_breakdown
),

agencies as (
    select * from {{ ref('int_measure_agencies') }}
)

select records.*
from records
left join agencies
    on agencies.la_code = records.la_code
    and agencies.measure_id = records.measure_id
    and agencies.as_at = records.as_at
    and agencies.agency = records.agency
where agencies.agency is null
