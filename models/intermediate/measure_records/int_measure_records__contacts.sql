-- Records behind the contact measures: contacts, contacts_closed_logged,
-- closed_logged_with_active_caf (a CAF of the linked CAF child open on the contact date)
-- and first_contact_over_5wd (contacts awaiting a decision on the period end more than 5
-- working days after the contact date). Team and worker: the contact's.
with contacts as (
    {{ records_in_scope(ref('int_contacts_as_at')) }}
),

cafs as (
    {{ records_in_scope(ref('int_caf_assessments_linked')) }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
),

contacts_with_caf as (
    select
        contacts.as_at,
        contacts.la_code,
        contacts.contact_id,
        count(cafs.caf_id) > 0 as had_active_caf
    from contacts
    inner join cafs
        on cafs.as_at = contacts.as_at
        and cafs.la_code = contacts.la_code
        and cafs.person_id = contacts.person_id
        and {{ is_open_on('cafs.start_date', 'cafs.closure_date', 'contacts.contact_date') }}
    where contacts.outcome = 'closed_logged'
    group by contacts.as_at, contacts.la_code, contacts.contact_id
),

contacts_flagged as (
    select
        contacts.*,
        coalesce(contacts_with_caf.had_active_caf, false) as had_active_caf
    from contacts
    left join contacts_with_caf
        on contacts_with_caf.as_at = contacts.as_at
        and contacts_with_caf.la_code = contacts.la_code
        and contacts_with_caf.contact_id = contacts.contact_id
),

in_window as (
    {{ records_in_window(['contacts', 'contacts_closed_logged', 'closed_logged_with_active_caf'],
                         'contacts_flagged', date_column='contact_date') }}
),

-- contacts made on or before the period end and still awaiting a decision on it: decided
-- after it, or with neither a decision date nor an outcome (an outcome with no decision
-- date counts as decided)
awaiting_decision as (
    {{ records_in_window('first_contact_over_5wd', 'contacts',
                         open_on_window_end=('contact_date', 'decision_date'),
                         where="records.decision_date is not null or records.outcome is null") }}
),

awaiting_decision_timed as (
    select
        awaiting_decision.*,
        {{ working_days_taken('contact_day', 'period_end_day') }} as working_days_waiting
    from awaiting_decision
    left join calendar as contact_day on contact_day.date_day = awaiting_decision.contact_date
    left join calendar as period_end_day on period_end_day.date_day = awaiting_decision.window_end
)

select {{ measure_record('contacts', 'contact', 'contact_id', 'true', 'contact_date') }}
from in_window where measure_id = 'contacts'
union all
select {{ measure_record('contacts_closed_logged', 'contact', 'contact_id',
                         "outcome = 'closed_logged'", 'contact_date') }}
from in_window where measure_id = 'contacts_closed_logged'
union all
select {{ measure_record('closed_logged_with_active_caf', 'contact', 'contact_id',
                         'had_active_caf', 'contact_date') }}
from in_window where measure_id = 'closed_logged_with_active_caf' and outcome = 'closed_logged'
union all
select {{ measure_record('first_contact_over_5wd', 'contact', 'contact_id', 'true', 'window_end',
                         start_date='contact_date', working_days='working_days_waiting') }}
from awaiting_decision_timed where working_days_waiting > 5
