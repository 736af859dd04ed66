-- Each headline measure value of each LA beside its region's and England's figure for the
-- same period: the "compared to benchmark groups" line. Figures are compared on a common
-- footing: percentages as they are, rates per 10,000 as they are, and counts turned into a
-- rate per 10,000 children aged 0-17 (the LA's population for the financial year the window
-- starts in). Region and England figures are pooled over the LAs that have the figure (sum
-- of numerators over sum of denominators or populations), as DfE's statistics are, so a
-- large LA weighs more than a small one. Computed on the latest extract (restated figures).
with headline as (
    select * from {{ ref('measure_values') }}
    where breakdown_by is null
),

authorities as (
    select * from {{ ref('dim_local_authorities') }}
),

catalogue as (
    select measure_id, tolerance from {{ ref('measure_catalogue') }}
),

population as (
    select la_code, year, population_0_17
    from {{ ref('stg_reference__child_population') }}
    where valid_to is null
),

la_figures as (
    select
        headline.la_code,
        authorities.la_name,
        authorities.region_code,
        authorities.region_name,
        headline.measure_id,
        headline.reporting_period,
        headline.window_start,
        headline.window_end,
        headline.unit,
        headline.polarity,
        catalogue.tolerance,
        headline.numerator,
        headline.denominator,
        headline.value,
        population.population_0_17 as child_population,
        case when headline.unit = 'percent' then 'percent' else 'rate_per_10k' end
            as comparison_unit,
        case when headline.unit = 'percent' then 100 else 10000 end as comparison_scale,
        -- what the comparison divides the numerator by
        case
            when headline.unit = 'count' then population.population_0_17
            else headline.denominator
        end as comparison_base
    from headline
    left join authorities on authorities.la_code = headline.la_code
    left join catalogue on catalogue.measure_id = headline.measure_id
    left join population
        on population.la_code = headline.la_code
        and population.year = {{ financial_year('headline.window_start') }}
),

la_values as (
    select
        la_figures.*,
        {{ comparison_ratio('numerator', 'comparison_base', 'comparison_scale') }}
            as comparison_value
    from la_figures
),

pooled_by_region as (
    select
        region_code,
        measure_id,
        reporting_period,
        count(*) as region_la_count,
        sum(numerator) as region_numerator,
        sum(comparison_base) as region_base
    from la_values
    where comparison_value is not null and region_code is not null
    group by region_code, measure_id, reporting_period
),

pooled_england as (
    select
        measure_id,
        reporting_period,
        count(*) as england_la_count,
        sum(numerator) as england_numerator,
        sum(comparison_base) as england_base
    from la_values
    where comparison_value is not null and region_code is not null
    group by measure_id, reporting_period
),

ranked as (
    -- 1 is the best figure in England by the measure's polarity (ties share a rank);
    -- quartile 1 the best quarter of LAs, from the rank so tied LAs share a quartile.
    -- Neutral measures are not ranked.
    select
        la_code,
        measure_id,
        reporting_period,
        rank() over (
            partition by measure_id, reporting_period
            order by case when polarity = 'up' then -comparison_value else comparison_value end
        ) as england_rank,
        count(*) over (partition by measure_id, reporting_period) as ranked_las
    from la_values
    where comparison_value is not null
        and region_code is not null
        and polarity in ('up', 'down')
),

compared as (
    select
        la_values.*,
        pooled_by_region.region_la_count,
        {{ comparison_ratio('pooled_by_region.region_numerator', 'pooled_by_region.region_base',
                            'la_values.comparison_scale') }} as region_value,
        pooled_england.england_la_count,
        {{ comparison_ratio('pooled_england.england_numerator', 'pooled_england.england_base',
                            'la_values.comparison_scale') }} as england_value,
        ranked.england_rank,
        1 + {{ integer_divide('4 * (ranked.england_rank - 1)', 'ranked.ranked_las') }}
            as england_quartile
    from la_values
    left join pooled_by_region
        on pooled_by_region.region_code = la_values.region_code
        and pooled_by_region.measure_id = la_values.measure_id
        and pooled_by_region.reporting_period = la_values.reporting_period
    left join pooled_england
        on pooled_england.measure_id = la_values.measure_id
        and pooled_england.reporting_period = la_values.reporting_period
    left join ranked
        on ranked.la_code = la_values.la_code
        and ranked.measure_id = la_values.measure_id
        and ranked.reporting_period = la_values.reporting_period
)

select
    la_code,
    la_name,
    region_code,
    region_name,
    measure_id,
    reporting_period,
    {{ period_type_of('reporting_period') }} as period_type,
    {{ period_sort_key('reporting_period') }} as period_sort_key,
    window_start,
    window_end,
    unit,
    polarity,
    numerator,
    denominator,
    value,
    child_population,
    comparison_unit,
    comparison_value,
    region_value,
    region_la_count,
    england_value,
    england_la_count,
    england_rank,
    england_quartile,
    {{ compared_with('comparison_value', 'region_value', 'comparison_unit', 'polarity',
                     'tolerance') }}
        as compared_with_region,
    {{ compared_with('comparison_value', 'england_value', 'comparison_unit', 'polarity',
                     'tolerance') }}
        as compared_with_england
from compared
