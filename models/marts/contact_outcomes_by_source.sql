-- Table 1 of the Cabinet report for every LA and reporting period, on the latest extract:
-- contacts by referrer and what the case resulted in.
select la_code, reporting_period, referrer, outcome, contacts
from {{ ref('int_contact_outcomes') }}
where is_latest
