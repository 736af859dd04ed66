{#- A child's pseudonymous id: a keyed hash of the LA code and the RAISE person id, the
    only form in which a child appears in the marts (the published file holds no person_id
    in clear). The key comes from var('pseudonym_key'), which dbt_project.yml takes from the
    environment variable CSC_PSEUDONYM_KEY; without it a documented, public demo key is
    used, which is fine for synthetic data only: set CSC_PSEUDONYM_KEY for real extracts and
    keep it secret, or anyone holding a person_id can recompute the hash. The same key gives
    the same id on every refresh, so ids are stable across published files. Portable: dbt's
    cross-database concat and hash (md5 on DuckDB and Spark). -#}
{% macro pseudonymous_id(la_code, person_id) -%}
    {%- set key = var('pseudonym_key') | string | replace("'", "''") -%}
    {{ dbt.hash(dbt.concat([
        "'" ~ key ~ "'",
        "'|'",
        dbt.cast(la_code, dbt.type_string()),
        "'|'",
        dbt.cast(person_id, dbt.type_string())
    ])) }}
{%- endmacro %}
