-- Records behind care_leavers_suitable_accommodation and care_leavers_eet: care leavers
-- whose 16th to 21st birthday fell in the window (int_care_leaver_birthdays), flagged by the
-- keeping-in-touch record for that birthday (no record counts as not). Team and worker: the
-- child's allocation on the birthday.
{{ config(materialized='table') }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id in ('care_leavers_suitable_accommodation', 'care_leavers_eet')
),

birthdays as (
    select * from {{ ref('int_care_leaver_birthdays') }}
),

allocations as (
    select * from {{ ref('int_child_allocations') }}
),

in_window as (
    select
        grid.measure_id,
        grid.reporting_period,
        birthdays.*,
        -- the record is the child's birthday; the child is identified by person_id
        {{ dbt.concat(["'birthday '", dbt.cast('birthdays.age', dbt.type_string())]) }} as birthday_id,
        allocation.team_id,
        allocation.worker_id
    from grid
    inner join birthdays
        on birthdays.as_at = grid.as_at
        and birthdays.birthday between grid.window_start and grid.window_end
    left join allocations as allocation
        on {{ allocated_on('birthdays', 'birthdays.birthday') }}
)

select {{ measure_record('care_leavers_suitable_accommodation', 'care_leaver_birthday', 'birthday_id',
                         'is_suitably_accommodated', 'birthday', start_date='keeping_in_touch_date') }}
from in_window where measure_id = 'care_leavers_suitable_accommodation'
union all
select {{ measure_record('care_leavers_eet', 'care_leaver_birthday', 'birthday_id', 'is_in_eet',
                         'birthday', start_date='keeping_in_touch_date') }}
from in_window where measure_id = 'care_leavers_eet'
