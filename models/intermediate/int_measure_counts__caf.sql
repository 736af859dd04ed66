-- Counts of the caf measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__caf).
{{ measure_counts(ref('int_measure_records__caf'), ['caf2_commenced']) }}
