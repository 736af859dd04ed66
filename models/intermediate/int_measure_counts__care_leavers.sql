-- Counts of the care leavers measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__care_leavers).
{{ measure_counts(ref('int_measure_records__care_leavers'), ['care_leavers_suitable_accommodation', 'care_leavers_eet']) }}
