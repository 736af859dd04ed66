-- Every measure's counts on every extract a period is computed on (int_measure_computed),
-- with whether that extract is the latest (the restated figures, measure_values) and
-- whether it is the first after the period ended (as first reported,
-- measure_values_as_reported). A table: both marts read it.
select
    computed.la_code,
    computed.measure_id,
    computed.reporting_period,
    computed.period_type,
    {{ period_sort_key('computed.reporting_period') }} as period_sort_key,
    computed.window_start,
    computed.window_end,
    computed.as_at,
    computations.is_latest,
    computations.is_as_reported,
    computations.as_reported_basis,
    computed.breakdown_by,
    computed.breakdown_value,
    computed.numerator,
    computed.denominator,
    computed.value,
    computed.unit,
    computed.polarity,
    computed.tolerance
from {{ ref('int_measure_computed') }} as computed
inner join {{ ref('int_period_computations') }} as computations
    on computations.reporting_period = computed.reporting_period
    and computations.as_at = computed.as_at
