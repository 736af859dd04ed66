-- Every measure's counts on every extract a period is computed on (int_measure_computed),
-- with whether that extract is the latest (the restated figures, measure_values) and
-- whether it is the first after the period ended (as first reported,
-- measure_values_as_reported). A table: both marts read it. A measure the LA's source
-- cannot give (int_measure_availability) has no rows here, and no team or worker rows when
-- its source gives the LA's figures only.
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
-- what the LA's source cannot give is not published (int_measure_availability)
inner join {{ ref('int_measure_availability') }} as availability
    on availability.la_code = computed.la_code
    and availability.measure_id = computed.measure_id
where availability.has_figures
    and (
        availability.has_breakdowns or computed.breakdown_by is null
        or computed.breakdown_by not in ('team', 'worker')
    )
