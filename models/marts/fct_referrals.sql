-- One row per referral in the latest extract, with the contact it came from, whether it
-- was NFA, and its closure.
with referrals as (
    {{ latest_versions('int_source__referrals') }}
)

select
    -- keys
    {{ la_scoped_key('la_code', 'referral_id') }} as referral_key,
    la_code,
    referral_id,
    {{ la_scoped_key('la_code', 'contact_id') }} as contact_key,
    {{ pseudonymous_id('la_code', 'person_id') }} as child_key,
    {{ la_scoped_key('la_code', 'team_id') }} as team_key,
    {{ la_scoped_key('la_code', 'worker_id') }} as worker_key,
    -- dates
    referral_date,
    closure_date,
    -- codes
    referral_source_code,
    primary_need_code,
    closure_reason,
    -- flags
    referral_nfa as is_nfa
from referrals
