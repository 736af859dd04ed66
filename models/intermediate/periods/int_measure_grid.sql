-- Every measure x reporting period x extract it is computed on, with the measure's window:
-- the frame every int_measure_records__* model joins its records to.
with windows as (
    select * from {{ ref('int_measure_windows') }}
),

computations as (
    select * from {{ ref('int_computations_to_run') }}
)

select
    windows.measure_id,
    windows.reporting_period,
    windows.period_type,
    windows.window_start,
    windows.window_end,
    computations.as_at
from windows
inner join computations on computations.reporting_period = windows.reporting_period
