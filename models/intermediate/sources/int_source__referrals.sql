-- Referrals from either source, every version: RAISE referrals or SSD CIN episodes. The SSD
-- does not say which contact a referral came from (contact_id NULL).
select
    la_code,
    referral_id,
    contact_id,
    person_id,
    team_id,
    worker_id,
    referral_date,
    closure_date,
    referral_source_code,
    closure_reason,
    primary_need_code,
    referral_nfa,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__referrals') }}
union all
select
    la_code,
    referral_id,
    cast(null as {{ dbt.type_string() }}) as contact_id,
    person_id,
    team_id,
    worker_id,
    referral_date,
    closure_date,
    referral_source_code,
    closure_reason,
    primary_need_code,
    referral_nfa,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__referrals') }}
