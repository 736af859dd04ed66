-- Persons as they stood on each extract date a period is computed on: only what the
-- measures need (dates of birth for ages and care-leaver birthdays), no names or addresses.
with extracts as (
    select as_at from {{ ref('int_extract_dates') }}
),

persons as (
    select * from {{ ref('int_source__persons') }}
)

select
    extracts.as_at,
    persons.la_code,
    persons.person_id,
    persons.date_of_birth,
    persons.date_of_death
from extracts
inner join persons on {{ in_force_at('persons', 'extracts.as_at') }}
