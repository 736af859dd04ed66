{#- The published shape of measure values, with the direction of travel: each period
    against the previous period of the same type (quarter against the quarter before,
    year against the year before) on the same extract, judged by the measure's polarity.
    A change within the catalogue's tolerance (percentage points for percents, percent of
    the previous value for counts and rates) is 'same'; a neutral measure that moved has
    no direction. `computation_flag` picks the extract: is_latest or is_as_reported. -#}
{% macro measure_values_with_direction(computation_flag, include_as_at) %}
with results as (
    select * from {{ ref('int_measure_results') }}
    where {{ computation_flag }}
),

with_previous as (
    select
        results.*,
        lag(value) over (
            partition by la_code, measure_id, period_type, breakdown_by, breakdown_value
            -- a year-kind measure has the same window in all four quarters of a year: the
            -- period label ('2013-14 Q1' < 'Q2') orders them, so Q1 is compared with the
            -- previous year's Q4 and Q2..Q4 with the quarter before (not at random)
            order by window_end, reporting_period
        ) as previous_value
    from results
),

with_change as (
    select
        with_previous.*,
        case
            when previous_value is null or value is null then null
            when unit = 'percent' then value - previous_value
            when previous_value = 0 then case when value = 0 then 0 else 100 end
            else 100.0 * (value - previous_value) / previous_value
        end as change
    from with_previous
)

select
    la_code,
    measure_id,
    reporting_period,
    period_type,
    period_sort_key,
    window_start,
    window_end,
    {% if include_as_at %}as_at,
    as_reported_basis,{% endif %}
    breakdown_by,
    breakdown_value,
    numerator,
    denominator,
    value,
    unit,
    polarity,
    case
        when change is null then null
        when abs(change) <= tolerance then 'same'
        when polarity = 'neutral' then null
        when (change > 0) = (polarity = 'up') then 'improved'
        else 'worsened'
    end as direction
from with_change
{% endmacro %}
