-- Table 1 of the Cabinet report for every LA and reporting period, on the latest extract:
-- contacts by referrer and what the case resulted in.
select
    outcomes.la_code,
    outcomes.reporting_period,
    {{ period_type_of('outcomes.reporting_period') }} as period_type,
    {{ period_sort_key('outcomes.reporting_period') }} as period_sort_key,
    outcomes.referrer,
    outcomes.outcome,
    outcomes.contacts
from {{ ref('int_contact_outcomes') }} as outcomes
inner join {{ ref('int_period_computations') }} as computations
    on computations.reporting_period = outcomes.reporting_period
    and computations.as_at = outcomes.as_at
where computations.is_latest
