-- Counts of the children in need measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__children_in_need).
{{ measure_counts(ref('int_measure_records__children_in_need'), ['cin_at_period_end']) }}
