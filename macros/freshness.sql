{#- `dbt source freshness` on meta.loaded_drops (models/staging/meta/_meta__sources.yml):
    dbt's own query, with one change: "now" is the start of the day the refresh runs on
    (CSC_FRESHNESS_DATE, which csc passes from its clock, csc.clock), not the database's
    current timestamp. The age of the newest extract is then whole days, counted exactly
    as csc.freshness counts them for the log, the run log and the report's banner, and a
    test that sets the clock sets it for dbt too. Run by hand without it: today's date.
    Overrides dbt's default__collect_freshness for every adapter (plain SQL: DuckDB and
    Spark alike). -#}
{% macro default__collect_freshness(source, loaded_at_field, filter) %}
    {%- set today = env_var('CSC_FRESHNESS_DATE', '') -%}
    {% call statement('collect_freshness', fetch_result=True, auto_begin=False) -%}
        select
            max({{ loaded_at_field }}) as max_loaded_at,
            {% if today -%}
                cast('{{ today }}' as timestamp)
            {%- else -%}
                cast(current_date as timestamp)
            {%- endif %} as snapshotted_at
        from {{ source }}
        {% if filter -%}
            where {{ filter }}
        {%- endif %}
    {%- endcall %}
    {{ return(load_result('collect_freshness')) }}
{% endmacro %}
