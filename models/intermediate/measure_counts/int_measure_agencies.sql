-- The agencies each LA's extract records for every measure broken down by initiating agency
-- (one row per LA x measure x extract date x agency; 'unallocated' for a record with none):
-- the rows that measure gets on that extract, zeros included. Taken from the source as it
-- stood on the extract, not from the records a build happens to count, so a night and a
-- full rebuild list the same agencies. A new measure broken down by agency adds its source
-- here; tests/dbt/assert_record_agencies_are_listed.sql fails on a record whose agency is
-- missing.
select distinct
    la_code,
    'caf2_commenced' as measure_id,
    as_at,
    coalesce(initiating_agency, 'unallocated') as agency
from {{ ref('int_caf_assessments_as_at') }}
