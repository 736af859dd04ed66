-- Counts of the referrals measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__referrals).
{{ measure_counts(ref('int_measure_records__referrals'), ['referrals_nfa', 'contacts_to_assessment', 're_referrals_12m', 'referrals_to_s47', 'caf_step_down']) }}
