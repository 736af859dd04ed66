-- Persons from either source, every version: the RAISE persons or the SSD's ssd_person
-- (which also holds the early-help children who never reached social care). No postcode in
-- the SSD (it is in ssd_address, which the warehouse does not take).
select
    la_code,
    person_id,
    date_of_birth,
    date_of_death,
    sex,
    ethnicity,
    forename,
    surname,
    postcode,
    upn,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__persons') }}
union all
select
    la_code,
    person_id,
    date_of_birth,
    date_of_death,
    sex,
    ethnicity,
    forename,
    surname,
    cast(null as {{ dbt.type_string() }}) as postcode,
    upn,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__persons') }}
