{#- Generic test: no two rows share the same combination of `columns` (NULLs compare
    equal). dbt ships no such test and packages cannot be installed offline.

    `as_reported_computations`: for a table that keeps its rows between builds and appends
    the as-reported computations a build runs (measure_records_as_reported; its columns
    include reporting_period), the relation listing them (int_computations_to_run). Only
    the rows of the periods computed now are checked: two rows sharing a combination share
    its reporting_period, so a duplicate made by this build's rows has one in those periods;
    rows of the other periods are unchanged since the build that appended them, whose
    test passed (a build whose tests fail is not whole, and the next one is a full
    refresh, which computes and checks every period). -#}
{% test unique_combination(model, columns, as_reported_computations=none) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{%- if as_reported_computations is not none %}
where reporting_period in (
    select computed.reporting_period from {{ as_reported_computations }} as computed
    where computed.is_as_reported
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
