-- Counts of the contacts measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__contacts).
{{ measure_counts(ref('int_measure_records__contacts'), ['contacts', 'contacts_closed_logged', 'closed_logged_with_active_caf', 'first_contact_over_5wd']) }}
