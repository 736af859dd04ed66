{#- Computations kept between builds (docs/performance.md, "The nightly increment").

    A figure as first reported is computed on the first extract dated after its period
    ended. History is append-only, so once that extract is loaded the computation never
    changes: rebuilding it every night is waste. int_measure_computed and
    int_contact_outcomes are incremental: a build computes the latest extract's figures
    (restated every night) and only the as-reported computations not stored yet
    (int_computations_to_run), and keeps the stored ones.

    What makes a kept computation stale is anything but a new, later drop: a change to the
    dbt project, the dbt version, the pseudonym key, the links (CAF measures read them), a
    drop dated before one already built, or a build that did not finish. The refresh passes
    `--full-refresh` then (csc.build.build_plan), and `dbt build --full-refresh` recomputes
    everything: the result is the same as an incremental build's, which
    tests/test_kept_computations.py checks.

    The latest extract's figures are restated every night, but most of their child-level
    records are not recomputed: a night that completes no reporting period carries the
    records of every child whose records did not change from the previous latest extract
    (int_measure_records keeps them, and marts.measure_records, the lists on the latest
    extract, keeps its rows of them: "Child-level records carried" below, and
    docs/operations.md, "What a night builds"). tests/test_incremental_night.py checks that
    a realistic and a stress night build this way make exactly the marts of a full
    rebuild.

    On engines whose tables do not outlive the session (the Spark target's in-memory
    catalogue) nothing is kept: the models are plain tables and every computation runs. -#}

{#- True when this engine keeps computations between builds. -#}
{% macro keeps_computations() -%}
    {{ return(adapter.dispatch('keeps_computations', 'csc')()) }}
{%- endmacro %}

{% macro default__keeps_computations() -%}
    {{ return(true) }}
{%- endmacro %}

{% macro spark__keeps_computations() -%}
    {{ return(false) }}
{%- endmacro %}

{#- The materialization of a model that keeps computations. -#}
{% macro kept_computations_materialization() -%}
    {{ return('incremental' if keeps_computations() else 'table') }}
{%- endmacro %}

{#- The intermediate table `identifier` as the last build left it, when this build keeps
    what earlier builds computed (not --full-refresh, an engine that keeps tables, a table
    already there); none otherwise. -#}
{% macro stored_intermediate_table(identifier) -%}
    {% if not execute or flags.FULL_REFRESH or not keeps_computations() %}
        {{ return(none) }}
    {% endif %}
    {% set relation = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('intermediate', none),
        identifier=identifier) %}
    {{ return(relation if relation is not none and relation.is_table else none) }}
{%- endmacro %}

{#- The stored int_measure_computed of the last build (stored_intermediate_table). Read
    before int_measure_computed is rebuilt: int_computations_to_run runs upstream of it. -#}
{% macro stored_computations() -%}
    {{ return(stored_intermediate_table('int_measure_computed')) }}
{%- endmacro %}

{#- A condition on the rows of `this` (a model keeping computations): the row belongs to a
    computation this build runs again (int_computations_to_run). -#}
{% macro run_again_now() -%}
    exists (
        select 1 from {{ ref('int_computations_to_run') }} as to_run
        where to_run.reporting_period = {{ this }}.reporting_period
          and to_run.as_at = {{ this }}.as_at
    )
{%- endmacro %}

{#- pre_hook of a model keeping computations: before new rows are appended, forget the
    stored rows of computations run again now (the latest extract's, and any as-reported
    one to be computed) and of computations no longer wanted (the previous latest extract,
    unless a period is reported on it). -#}
{% macro forget_recomputed_computations() -%}
    {% if is_incremental() %}
        delete from {{ this }}
        where {{ run_again_now() }}
        or not exists (
            select 1 from {{ ref('int_period_computations') }} as wanted
            where wanted.reporting_period = {{ this }}.reporting_period
              and wanted.as_at = {{ this }}.as_at
        )
    {% endif %}
{%- endmacro %}

{#- Child-level records carried from one night to the next (docs/operations.md, "What a
    night builds"). int_measure_records keeps the records of the last build's computations.
    When the new latest extract completes no new reporting period, a child's records on it
    are the ones on the previous latest extract (every window ends on a period end, which
    neither extract moves) unless a version of one of the child's records was added,
    closed or deleted since: int_latest_carry names the previous latest extract then
    (carried_from), int_persons_recomputed the children whose records are computed again,
    and int_measure_records carries everyone else's records to the new extract. The
    records models compute only those children on the latest extract (records_in_scope);
    the counts are made from all records, carried and computed. marts.measure_records
    carries its rows of the same children the same way (carry_measure_records). -#}

{#- The stored int_measure_records of the last build, when this build may carry records
    from it (as stored_computations); none otherwise. -#}
{% macro stored_records() -%}
    {{ return(stored_intermediate_table('int_measure_records')) }}
{%- endmacro %}

{#- The records models whose records are not the child's own (CAF assessments belong to a
    CAF child, linked to a person, or not): computed in full on every extract, never
    carried. -#}
{% macro uncarried_records_models() -%}
    {{ return(['int_measure_records__caf']) }}
{%- endmacro %}

{#- A condition on `alias` (a relation with as_at, la_code, person_id): its row is computed
    by this build, i.e. it is not on an extract records are carried to, or its child is
    computed again (int_persons_recomputed). -#}
{% macro in_recompute_scope(alias) -%}
    (not exists (
        select 1 from {{ ref('int_latest_carry') }} as carry
        where carry.carried_from is not null and carry.as_at = {{ alias }}.as_at
    )
    or exists (
        select 1 from {{ ref('int_persons_recomputed') }} as recomputed
        where recomputed.la_code = {{ alias }}.la_code
            and recomputed.person_id = {{ alias }}.person_id
    ))
{%- endmacro %}

{#- `select *` from `relation` (per as_at, la_code and person_id) keeping the rows this build
    computes: what a records model reads, so that on a night it computes the changed
    children only (in_recompute_scope). -#}
{% macro records_in_scope(relation) -%}
    select scoped.* from {{ relation }} as scoped
    where {{ in_recompute_scope('scoped') }}
{%- endmacro %}

{#- pre_hook and post_hook of int_measure_records: before new rows are appended
    ('before'), forget the stored records of computations run again now; once they are
    ('after'), forget every record but this build's computations' (the previous latest
    extract's records that were not carried, among them). -#}
{% macro forget_carried_records(when) -%}
    {% if is_incremental() %}
        delete from {{ this }}
        where {{ 'not' if when == 'after' }} {{ run_again_now() }}
    {% endif %}
{%- endmacro %}

{#- The condition on a stored record of int_measure_records (`alias`) on the extract
    records are carried from: it is carried to the new latest extract. Its measure's
    records model is carried (not uncarried_records_models), it is a child's, the child is
    not computed again (int_persons_recomputed), and its period is computed on the new
    extract (int_computations_to_run). -#}
{% macro carried_record(alias) -%}
    ({{ alias }}.person_id is not null
    and not {{ of_uncarried_records_model(alias ~ '.measure_id') }}
    and not exists (
        select 1 from {{ ref('int_persons_recomputed') }} as recomputed
        where recomputed.la_code = {{ alias }}.la_code
            and recomputed.person_id = {{ alias }}.person_id
    )
    and exists (
        select 1 from {{ ref('int_computations_to_run') }} as to_run
        inner join {{ ref('int_latest_carry') }} as carry on carry.as_at = to_run.as_at
        where to_run.reporting_period = {{ alias }}.reporting_period
    ))
{%- endmacro %}

{#- Second pre_hook of int_measure_records: carry records in place. Of the stored records on
    the extract records are carried from (int_latest_carry.carried_from), forget those not
    carried (carried_record) and move the others to the new latest extract: one column
    updated where copying every carried record into new rows (and deleting the old ones)
    cost most of the model's time on a night. The model then appends the records it
    computes; its post_hook forgets the rest of the old extract's. Nothing happens when
    nothing is carried (carried_from is NULL). -#}
{% macro carry_records_in_place() -%}
    {% if is_incremental() %}
        delete from {{ this }}
        where exists (
            select 1 from {{ ref('int_latest_carry') }} as carry
            where carry.carried_from = {{ this }}.as_at
        )
        and not {{ carried_record(this) }};
        update {{ this }}
        set as_at = (select carry.as_at from {{ ref('int_latest_carry') }} as carry)
        where exists (
            select 1 from {{ ref('int_latest_carry') }} as carry
            where carry.carried_from = {{ this }}.as_at
        )
    {% endif %}
{%- endmacro %}

{#- A condition on `measure_id` (an expression): the measure's records come from a records
    model whose records are never carried (uncarried_records_models), by the catalogue
    (`catalogue`: the seed, ref'd unless a relation is given). -#}
{% macro of_uncarried_records_model(measure_id, catalogue=none) -%}
    {{ measure_id }} in (
        select catalogue.measure_id
        from {{ catalogue if catalogue is not none else ref('process_model_measures') }} as catalogue
        where catalogue.records_model in ({{ "'" ~ uncarried_records_models() | join("', '") ~ "'" }})
    )
{%- endmacro %}

{#- pre_hook of marts.measure_records, the child-level lists on the latest extract, which
    keeps its rows between builds as int_measure_records does. Its rows are the records of
    int_measure_records on the latest extract (every one of its rows has the same as_at),
    so a row carried there is carried here unchanged but for as_at. Before the build
    appends the rows it computes, forget every stored row but those carried: on the
    extract records are carried from (int_latest_carry.carried_from), of a child (child_id
    not null: a CAF not linked to a person is nobody's), of a measure whose records model
    is carried (not uncarried_records_models), of a child not computed again
    (int_persons_recomputed, matched by the same pseudonymous_id the rows carry); then move
    the kept rows to the new latest extract. The model appends exactly the other rows (the
    same conditions, negated), so the table is a full rebuild's. When nothing is carried
    (a full refresh, a night that completes a reporting period, no records stored) every
    stored row is forgotten and the model computes every row. -#}
{% macro carry_measure_records() -%}
    {% if is_incremental() %}
        delete from {{ this }}
        where not exists (
            select 1 from {{ ref('int_latest_carry') }} as carry
            where carry.carried_from is not null and carry.carried_from = {{ this }}.as_at
        )
        or {{ measure_record_computed_again(this, ref('process_model_measures'),
                                            ref('int_persons_recomputed')) }};
        update {{ this }}
        set as_at = (select carry.as_at from {{ ref('int_latest_carry') }} as carry)
    {% endif %}
{%- endmacro %}

{#- The condition on a row of marts.measure_records (`alias`) that a build carrying records
    computes again rather than carries: a row of no child (child_id NULL: a CAF not linked
    to a person is nobody's), of a measure whose records model is never carried
    (uncarried_records_models, looked up in `catalogue`), or of a child computed again
    (`persons_recomputed`, matched by the pseudonymous_id the rows carry, which is keyed
    on the LA as well as the person). The relations are arguments so that a test can pass
    them looked up rather than ref'd. -#}
{% macro measure_record_computed_again(alias, catalogue, persons_recomputed) -%}
    ({{ alias }}.child_id is null
    or {{ of_uncarried_records_model(alias ~ '.measure_id', catalogue) }}
    -- uncorrelated: the pseudonymous id is keyed on the LA too, and DuckDB then hashes the
    -- recomputed children's ids once and probes them (a correlated `exists`, OR'd with the
    -- other conditions, took about five times as long on 3.7 million rows)
    or {{ alias }}.child_id in (
        select {{ pseudonymous_id('recomputed.la_code', 'recomputed.person_id') }}
        from {{ persons_recomputed }} as recomputed
    ))
{%- endmacro %}
