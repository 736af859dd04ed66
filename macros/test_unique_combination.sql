{#- Generic test: no two rows share the same combination of `columns` (NULLs compare
    equal). dbt ships no such test and packages cannot be installed offline.

    Two options check, on a table that keeps its rows between builds, only the rows a
    build could have made into duplicates. The rows of the build that appended or kept the
    rest passed this test then (a build whose tests fail is not whole, and the next one is
    a full refresh, which computes and checks every row).

    `computed_periods_only`: for measure_records_as_reported, which appends the as-reported
    computations a build runs (its columns include reporting_period): check only the rows
    of the periods whose as-reported computations this build ran (int_computations_to_run).
    Two rows sharing a combination share its reporting_period, so a duplicate made by this
    build's rows has one in those periods.

    `computed_records_only`: for measure_records, which keeps the carried children's rows
    (macros/kept_computations.sql, carry_measure_records): on a build that carried records
    (int_latest_carry), check only the rows it computed again
    (measure_record_computed_again). Two rows sharing a combination share la_code,
    measure_id and child_id, so both are computed again or both are carried, and carried
    rows are those of the last build's table.

    The lists are looked up when the test runs, not ref'd: a ref would make the test a
    child of those models, and a build of a part of the project holding them (`--select
    +fct_contacts`) would run it on a table it did not build. With no such list, every row
    is checked. -#}
{% test unique_combination(model, columns, computed_periods_only=false,
                           computed_records_only=false) %}
{%- set computations, carry, recomputed, catalogue = none, none, none, none %}
{%- if execute and computed_periods_only %}
    {%- set computations = relation_as_built('intermediate', 'int_computations_to_run') %}
{%- endif %}
{%- if execute and computed_records_only %}
    {%- set carry = relation_as_built('intermediate', 'int_latest_carry') %}
    {%- set recomputed = relation_as_built('intermediate', 'int_persons_recomputed') %}
    {%- set catalogue = relation_as_built('reference', 'process_model_measures') %}
{%- endif %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }} as tested
{%- if computations is not none %}
where reporting_period in (
    select computed.reporting_period from {{ computations }} as computed
    where computed.is_as_reported
)
{%- elif carry is not none and recomputed is not none and catalogue is not none %}
where not exists (select 1 from {{ carry }} as carry where carry.carried_from is not null)
    or {{ measure_record_computed_again('tested', catalogue, recomputed) }}
{%- endif %}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}

{#- The relation `identifier` in the project's schema `schema` as the database holds it now
    (none when there is no such table or view). -#}
{% macro relation_as_built(schema, identifier) %}
    {{ return(adapter.get_relation(database=target.database,
                                   schema=generate_schema_name(schema, none),
                                   identifier=identifier)) }}
{% endmacro %}
