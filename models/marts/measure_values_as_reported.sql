-- Every process-model measure for every LA and reporting period as first reported:
-- computed on the first extract dated after the period ended (as_at).
{{ measure_values_with_direction('is_as_reported', include_as_at=true) }}
