-- Table 1 as first reported: each period computed on the first extract dated after it
-- ended (as_at).
{{ contact_outcomes_on('is_as_reported', include_as_at=true) }}
