-- One row per contact in the latest extract: who referred, when it was decided, the
-- outcome, and how many working days the decision took (NULL while awaiting one), as
-- int_contact_timeliness counted them.
with contacts as (
    {{ latest_versions('int_source__contacts') }}
),

timeliness as (
    {{ as_at_latest_extract(ref('int_contact_timeliness')) }}
)

select
    -- keys
    {{ la_scoped_key('contacts.la_code', 'contacts.contact_id') }} as contact_key,
    contacts.la_code,
    contacts.contact_id,
    {{ pseudonymous_id('contacts.la_code', 'contacts.person_id') }} as child_key,
    {{ agency_key('contact_referrer', 'contacts.contact_source') }} as referrer_agency_key,
    {{ la_scoped_key('contacts.la_code', 'contacts.team_id') }} as team_key,
    {{ la_scoped_key('contacts.la_code', 'contacts.worker_id') }} as worker_key,
    -- dates
    contacts.contact_date,
    contacts.decision_date,
    -- codes
    contacts.contact_source,
    contacts.contact_source_code,
    contacts.outcome,
    -- timeliness
    contacts.decision_date is null as is_awaiting_decision,
    timeliness.working_days_to_decision
from contacts
left join timeliness
    on timeliness.la_code = contacts.la_code
    and timeliness.contact_id = contacts.contact_id
