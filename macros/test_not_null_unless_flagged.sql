{#- Generic test: the column is never NULL, except where the loader flagged the source
    record's value as a record-level problem and stored it empty on purpose
    (docs/loading.md): an open problem of marts.data_quality_issues for the same record and
    column. So a NULL is only ever a record the worklist names. Which source table and id a
    model's row comes from, and which source column a derived column stands for, are
    listed here; a model not listed gets a plain not-NULL test. -#}
{% test not_null_unless_flagged(model, column_name) %}
{%- set sources = {
    'fct_contacts': ('contacts', 'contact_id'),
    'fct_referrals': ('referrals', 'referral_id'),
    'fct_assessments': ('assessments', 'assessment_id'),
    'fct_s47_enquiries': ('s47_enquiries', 's47_id'),
    'fct_cp_conferences': ('cp_conferences', 'conference_id'),
    'fct_cp_plans': ('cp_plans', 'cp_plan_id'),
    'fct_care_episodes': ('cla_episodes', 'episode_id'),
    'fct_cafs': ('caf_assessments', 'caf_id'),
    'dim_workers': ('workers', 'worker_id'),
} -%}
{%- set derived_from = {'child_key': 'person_id', 'team_key': 'team_id'} -%}
{%- set source_column = derived_from.get(column_name, column_name) -%}
{%- set source = sources.get(model.identifier) -%}
{%- set issues = ref('data_quality_issues') -%}
select checked.*
from {{ model }} as checked
where checked.{{ column_name }} is null
{%- if source %}
    and not exists (
        select 1 from {{ issues }} as issues
        where issues.status = 'open'
            and issues.la_code = checked.la_code
            and issues.source_table = '{{ source[0] }}'
            and issues.record_id = checked.{{ source[1] }}
            and issues.column_name = '{{ source_column }}'
    )
{%- endif %}
{% endtest %}
