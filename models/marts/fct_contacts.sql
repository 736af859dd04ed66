-- One row per contact in the latest extract: who referred, when it was decided, the
-- outcome, and how many working days the decision took (NULL while awaiting one).
with contacts as (
    {{ latest_versions('stg_raise__contacts') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
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
    decision_day.working_day_number - contact_day.working_day_number as working_days_to_decision
from contacts
left join calendar as contact_day on contact_day.date_day = contacts.contact_date
left join calendar as decision_day on decision_day.date_day = contacts.decision_date
