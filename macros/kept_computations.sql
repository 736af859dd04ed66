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

{#- The stored int_measure_computed of the last build, when this build keeps what it
    computed (not --full-refresh, an engine that keeps tables, a table already there);
    none otherwise. Read before int_measure_computed is rebuilt: int_computations_to_run
    runs upstream of it. -#}
{% macro stored_computations() -%}
    {% if not execute or flags.FULL_REFRESH or not keeps_computations() %}
        {{ return(none) }}
    {% endif %}
    {% set relation = adapter.get_relation(
        database=target.database,
        schema=generate_schema_name('intermediate', none),
        identifier='int_measure_computed') %}
    {{ return(relation if relation is not none and relation.is_table else none) }}
{%- endmacro %}

{#- pre_hook of a model keeping computations: before new rows are appended, forget the
    stored rows of computations run again now (the latest extract's, and any as-reported
    one to be computed) and of computations no longer wanted (the previous latest extract,
    unless a period is reported on it). -#}
{% macro forget_recomputed_computations() -%}
    {% if is_incremental() %}
        delete from {{ this }}
        where exists (
            select 1 from {{ ref('int_computations_to_run') }} as to_run
            where to_run.reporting_period = {{ this }}.reporting_period
              and to_run.as_at = {{ this }}.as_at
        )
        or not exists (
            select 1 from {{ ref('int_period_computations') }} as wanted
            where wanted.reporting_period = {{ this }}.reporting_period
              and wanted.as_at = {{ this }}.as_at
        )
    {% endif %}
{%- endmacro %}
