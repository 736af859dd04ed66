-- Measure `contacts`: contacts whose contact date is in the window, counted on each
-- extract a period is computed on.
with windows as (
    select * from {{ ref('int_measure_windows') }} where measure_id = 'contacts'
),

computations as (
    select * from {{ ref('int_period_computations') }}
),

local_authorities as (
    select * from {{ ref('int_local_authorities') }}
),

contacts as (
    select * from {{ ref('stg_raise__contacts') }}
),

grid as (
    select
        local_authorities.la_code,
        windows.measure_id,
        windows.reporting_period,
        windows.window_start,
        windows.window_end,
        computations.as_at
    from windows
    inner join computations on computations.reporting_period = windows.reporting_period
    cross join local_authorities
),

counted as (
    select
        grid.la_code,
        grid.measure_id,
        grid.reporting_period,
        grid.as_at,
        count(contacts.contact_id) as numerator
    from grid
    left join contacts
        on contacts.la_code = grid.la_code
        and {{ in_force_at('contacts', 'grid.as_at') }}
        and contacts.contact_date between grid.window_start and grid.window_end
    group by grid.la_code, grid.measure_id, grid.reporting_period, grid.as_at
)

select
    la_code,
    measure_id,
    reporting_period,
    as_at,
    cast(null as {{ dbt.type_string() }}) as breakdown_by,
    cast(null as {{ dbt.type_string() }}) as breakdown_value,
    cast(numerator as bigint) as numerator,
    cast(null as bigint) as denominator
from counted
