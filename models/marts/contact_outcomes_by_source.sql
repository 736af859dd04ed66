-- Table 1 of the Cabinet report for every LA and reporting period, on the latest extract:
-- contacts by referrer and what the case resulted in.
{{ contact_outcomes_on('is_latest', include_as_at=false) }}
