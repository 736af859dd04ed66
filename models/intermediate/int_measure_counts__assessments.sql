-- Counts of the assessments measures for every LA, period and extract, with team, worker
-- (and agency) breakdowns, from their records (int_measure_records__assessments).
{{ measure_counts(ref('int_measure_records__assessments'), ['initial_assessments_10wd', 'core_assessments_35wd', 'single_assessments_45wd']) }}
