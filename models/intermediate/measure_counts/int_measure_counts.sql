-- Counts of every measure computed from child-level records (the catalogue's records_model,
-- seeds/process_model_measures.csv) for every LA, period and extract, with team, worker
-- (and initiating agency) breakdowns: macro measure_counts over the stacked records, with
-- the agencies each extract records.
{{ measure_counts(ref('int_measure_records'), ref('int_measure_agencies')) }}
