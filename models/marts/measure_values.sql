-- Every process-model measure for every LA and reporting period, computed on the latest
-- extract (restated figures).
{{ measure_values_with_direction('is_latest', include_as_at=false) }}
