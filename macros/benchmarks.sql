{#- 'better', 'similar' or 'worse' for an LA's figure against a benchmark figure, by the
    measure's polarity; NULL when either is missing or the measure has no better direction.
    'similar' is within the catalogue's tolerance: percentage points for percentages, a
    relative difference in per cent for rates (the same reading of tolerance as the
    direction of travel in measure_values). -#}
{% macro compared_with(value, benchmark, comparison_unit, polarity, tolerance) -%}
    case
        when {{ value }} is null or {{ benchmark }} is null then null
        when {{ polarity }} not in ('up', 'down') then null
        when {{ comparison_unit }} = 'percent'
            and abs({{ value }} - {{ benchmark }}) <= {{ tolerance }} then 'similar'
        when {{ comparison_unit }} <> 'percent'
            and abs({{ value }} - {{ benchmark }}) <= {{ tolerance }} * abs({{ benchmark }}) / 100
            then 'similar'
        when ({{ value }} > {{ benchmark }}) = ({{ polarity }} = 'up') then 'better'
        else 'worse'
    end
{%- endmacro %}

{#- numerator / base per 100 or per 10,000 (by `scale`, a column holding 100 or 10000),
    rounded half up to one decimal by rounded_ratio. -#}
{% macro comparison_ratio(numerator, base, scale) -%}
    case when {{ scale }} = 100
        then {{ rounded_ratio(numerator, base) }}
        else {{ rounded_ratio(numerator, base, per=10000) }}
    end
{%- endmacro %}
