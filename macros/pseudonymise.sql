{#- A child's pseudonymous id: a keyed hash of the LA code and the RAISE person id, the
    only form in which a child appears in the marts (the published file holds no person_id
    in clear). The key comes from var('pseudonym_key'), which dbt_project.yml takes from the
    environment variable CSC_PSEUDONYM_KEY; without it a documented, public demo key is
    used, which is fine for synthetic data only: set CSC_PSEUDONYM_KEY for real extracts and
    keep it secret, or anyone holding a person_id can recompute the hash; a refresh of drops
    not marked synthetic refuses to run on the demo key (csc/pseudonym.py). The same key
    gives the same id on every refresh, so ids are stable across published files. The hash
    is SHA-256 (sha256_hex, dispatched per engine in macros/cross_db: DuckDB and Spark give
    the same hex), the parts joined by dbt's cross-database concat, the key written as a
    literal by string_literal (a quote or backslash in it reads the same on both). -#}
{% macro pseudonymous_id(la_code, person_id) -%}
    {{ sha256_hex(dbt.concat([
        string_literal(var('pseudonym_key')),
        "'|'",
        dbt.cast(la_code, dbt.type_string()),
        "'|'",
        dbt.cast(person_id, dbt.type_string())
    ])) }}
{%- endmacro %}
