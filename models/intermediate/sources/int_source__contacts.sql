-- Contacts from either source, every version. The SSD holds no decision date, team or
-- worker of a contact (NULL here); its outcome is read from the outcome JSON
-- (stg_ssd__contacts).
select
    la_code,
    contact_id,
    person_id,
    team_id,
    worker_id,
    contact_date,
    decision_date,
    contact_source,
    contact_source_code,
    outcome,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__contacts') }}
union all
select
    la_code,
    contact_id,
    person_id,
    cast(null as {{ dbt.type_string() }}) as team_id,
    cast(null as {{ dbt.type_string() }}) as worker_id,
    contact_date,
    cast(null as date) as decision_date,
    contact_source,
    contact_source_code,
    outcome,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__contacts') }}
