{#- Generic test: no two rows share the same combination of `columns` (NULLs compare
    equal). dbt ships no such test and packages cannot be installed offline.

    `computed_periods_only`: for a table that keeps its rows between builds and appends
    the as-reported computations a build runs (measure_records_as_reported; its columns
    include reporting_period), check only the rows of the periods whose as-reported
    computations this build ran (int_computations_to_run): two rows sharing a combination
    share its reporting_period, so a duplicate made by this build's rows has one in those
    periods; rows of the other periods are unchanged since the build that appended them,
    whose test passed (a build whose tests fail is not whole, and the next one is a full
    refresh, which computes and checks every period). The list is looked up when the test
    runs, not ref'd: a ref would make the test a child of int_computations_to_run, and a
    build of a part of the project holding that model (`--select +fct_contacts`) would run
    it on a table it did not build. With no such list, every row is checked. -#}
{% test unique_combination(model, columns, computed_periods_only=false) %}
{%- set computations = none %}
{%- if computed_periods_only and execute %}
    {%- set computations = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('intermediate', none),
        identifier='int_computations_to_run') %}
{%- endif %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
{%- if computations is not none %}
where reporting_period in (
    select computed.reporting_period from {{ computations }} as computed
    where computed.is_as_reported
)
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
