-- Counts of the child protection measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__child_protection).
{{ measure_counts(ref('int_measure_records__child_protection'), ['s47_completed_15wd', 'icpc_15wd', 'child_participation_cp_conferences', 'cp_plans_second_or_subsequent', 'cp_plans_2yrs_plus', 'cp_at_period_end', 'cp_reviews_on_time']) }}
