-- Records behind the assessment timeliness measures: initial (10 working days from the
-- referral), core (35 from its start) and single (45 from the referral) assessments
-- completed in the window, flagged when completed within the timescale. Team and worker:
-- the assessment's.
{{ config(materialized='table') }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id in ('initial_assessments_10wd', 'core_assessments_35wd', 'single_assessments_45wd')
),

assessments as (
    select * from {{ ref('int_assessment_timeliness') }}
),

completed_in_window as (
    select
        grid.measure_id,
        grid.reporting_period,
        assessments.*
    from grid
    inner join assessments
        on assessments.as_at = grid.as_at
        and assessments.completed_date between grid.window_start and grid.window_end
        and assessments.assessment_type = case grid.measure_id
            when 'initial_assessments_10wd' then 'initial'
            when 'core_assessments_35wd' then 'core'
            when 'single_assessments_45wd' then 'single'
        end
)

{% for measure_id in ['initial_assessments_10wd', 'core_assessments_35wd', 'single_assessments_45wd'] %}
select {{ measure_record(measure_id, 'assessment', 'assessment_id', 'is_within_timescale',
                         'completed_date', start_date='clock_start_date', working_days='working_days') }}
from completed_in_window where measure_id = '{{ measure_id }}'
{% if not loop.last %}union all{% endif %}
{% endfor %}
