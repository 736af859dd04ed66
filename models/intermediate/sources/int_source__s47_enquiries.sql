-- Section 47 enquiries from either source, every version. icpc_required: RAISE's flag, or
-- the SSD outcome JSON's CP_CONFERENCE_FLAG.
select
    la_code,
    s47_id,
    referral_id,
    person_id,
    start_date,
    end_date,
    icpc_required,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__s47_enquiries') }}
union all
select
    la_code,
    s47_id,
    referral_id,
    person_id,
    start_date,
    end_date,
    icpc_required,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__s47_enquiries') }}
