-- cafcass_care_applications_rate: Cafcass care applications in the financial year (the
-- quarters starting in the window, as the reference table stood on the extract) per 10,000
-- children aged 0-17 (ONS mid-year estimate for the mid-year of the financial year, e.g.
-- 2013 for 2013-14). The reference tables are optional: with no figures the row is still
-- there, with NULL numerator and denominator (and so a NULL value).
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id = 'cafcass_care_applications_rate'
),

local_authorities as (
    select * from {{ ref('int_local_authorities') }}
),

applications as (
    {{ versions_as_at(ref('stg_reference__cafcass_care_applications')) }}
),

population as (
    {{ versions_as_at(ref('stg_reference__child_population')) }}
),

counted as (
    select
        local_authorities.la_code,
        grid.measure_id,
        grid.reporting_period,
        grid.as_at,
        grid.window_start,
        sum(applications.care_applications) as care_applications
    from grid
    cross join local_authorities
    left join applications
        on applications.as_at = grid.as_at
        and applications.la_code = local_authorities.la_code
        and applications.quarter_start between grid.window_start and grid.window_end
    group by
        local_authorities.la_code, grid.measure_id, grid.reporting_period, grid.as_at,
        grid.window_start
)

select
    counted.la_code,
    counted.measure_id,
    counted.reporting_period,
    counted.as_at,
    cast(null as {{ dbt.type_string() }}) as breakdown_by,
    cast(null as {{ dbt.type_string() }}) as breakdown_value,
    cast(counted.care_applications as bigint) as numerator,
    cast(
        case when counted.care_applications is not null then population.population_0_17 end
        as bigint
    ) as denominator
from counted
left join population
    on population.as_at = counted.as_at
    and population.la_code = counted.la_code
    and population.year = extract(year from counted.window_start)
