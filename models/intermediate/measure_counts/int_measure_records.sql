-- Every measure's records (one row per record counted for a measure x period x extract),
-- stacked from the records models (macro measure_records_models): the child-level lists
-- behind the figures.
{% for records_model in measure_records_models() %}
select * from {{ ref(records_model) }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
