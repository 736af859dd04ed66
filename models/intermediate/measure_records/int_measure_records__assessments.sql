-- Records behind the assessment timeliness measures: initial (10 working days from the
-- referral), core (35 from its start) and single (45 from the referral) assessments
-- completed in the window, flagged when completed within the timescale. Team and worker:
-- the assessment's.
{% set assessment_types = {
    'initial_assessments_10wd': 'initial',
    'core_assessments_35wd': 'core',
    'single_assessments_45wd': 'single',
} %}
with assessments as (
    {{ records_in_scope(ref('int_assessment_timeliness')) }}
),

completed_in_window as (
    {{ records_in_window(assessment_types.keys() | list, 'assessments',
                         date_column='completed_date') }}
)

{% for measure_id, assessment_type in assessment_types.items() %}
select {{ measure_record(measure_id, 'assessment', 'assessment_id', 'is_within_timescale',
                         'completed_date', start_date='clock_start_date', working_days='working_days') }}
from completed_in_window
where measure_id = '{{ measure_id }}' and assessment_type = '{{ assessment_type }}'
{% if not loop.last %}union all{% endif %}
{% endfor %}
