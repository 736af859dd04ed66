-- Every measure's records (one row per record counted for a measure x period x extract),
-- stacked from the int_measure_records__* models: the child-level lists behind the figures.
{% set topics = ['contacts', 'referrals', 'assessments', 'child_protection', 'children_in_care',
                 'children_in_need', 'care_leavers', 'caf'] %}
{% for topic in topics %}
select * from {{ ref('int_measure_records__' ~ topic) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
