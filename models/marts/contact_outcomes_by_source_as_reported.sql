-- Table 1 as first reported: each period computed on the first extract dated after it
-- ended (as_at).
select la_code, reporting_period, as_at, referrer, outcome, contacts
from {{ ref('int_contact_outcomes') }}
where is_as_reported
