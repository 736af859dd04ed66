-- Each contact on each extract date with the working days from the contact to the decision
-- on it (NULL while it awaits one).
with contacts as (
    select * from {{ ref('int_contacts_as_at') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    contacts.as_at,
    contacts.la_code,
    contacts.contact_id,
    contacts.person_id,
    contacts.contact_date,
    contacts.decision_date,
    {{ working_days_taken('contact_day', 'decision_day') }} as working_days_to_decision
from contacts
left join calendar as contact_day on contact_day.date_day = contacts.contact_date
left join calendar as decision_day on decision_day.date_day = contacts.decision_date
