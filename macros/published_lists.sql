{#- The published columns of the child-level lists, measure_records (latest extract) and
    measure_records_as_reported: one list, so the two tables keep the same columns in the
    same order. Reads `records` (int_measure_records) and, for the as-reported list,
    `computations` (its as_reported_basis). -#}
{% macro measure_records_columns(include_as_reported_basis) -%}
    records.la_code,
    records.measure_id,
    records.reporting_period,
    {{ period_type_of('records.reporting_period') }} as period_type,
    {{ period_sort_key('records.reporting_period') }} as period_sort_key,
    records.as_at,
    {%- if include_as_reported_basis %}
    computations.as_reported_basis,
    {%- endif %}
    records.record_type,
    records.record_id,
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_id,
    -- the star schema's names for the same keys (docs/analysts.md, "Changes")
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_key,
    records.team_id,
    {{ la_scoped_key('records.la_code', 'records.team_id') }} as team_key,
    records.worker_id,
    {{ la_scoped_key('records.la_code', 'records.worker_id') }} as worker_key,
    records.initiating_agency,
    records.start_date,
    records.event_date,
    records.working_days,
    records.in_numerator
{%- endmacro %}

{#- Table 1 (contacts by referrer and outcome) on the extracts `computation_flag` picks:
    is_latest (contact_outcomes_by_source) or is_as_reported (its as-reported twin, which
    also says which extract and on what basis). -#}
{% macro contact_outcomes_on(computation_flag, include_as_at) %}
select
    outcomes.la_code,
    outcomes.reporting_period,
    {{ period_type_of('outcomes.reporting_period') }} as period_type,
    {{ period_sort_key('outcomes.reporting_period') }} as period_sort_key,
    {%- if include_as_at %}
    outcomes.as_at,
    computations.as_reported_basis,
    {%- endif %}
    outcomes.referrer,
    outcomes.outcome,
    outcomes.contacts
from {{ ref('int_contact_outcomes') }} as outcomes
inner join {{ ref('int_period_computations') }} as computations
    on computations.reporting_period = outcomes.reporting_period
    and computations.as_at = outcomes.as_at
where computations.{{ computation_flag }}
{% endmacro %}
