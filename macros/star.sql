{#- Helpers for the star schema (models/marts/dim_*, fct_*). -#}

{#- Every record of a staging model as it stood in the latest extract: the version in force
    on the newest extract date in stg_meta__extracts (see in_force_at). A record missing from
    the latest drop (deleted at source) is not there. -#}
{% macro latest_versions(staging_model) -%}
    select in_force.*
    from {{ ref(staging_model) }} as in_force
    where {{ in_force_at('in_force', '(select max(extract_date) from ' ~ ref('stg_meta__extracts') ~ ')') }}
{%- endmacro %}

{#- One text key from an LA code and a source id, e.g. '808:T12' for team T12 of LA 808:
    source ids are unique only within an LA, and BI tools join best on one column.
    NULL when the id is NULL (no team recorded), so optional links stay NULL. -#}
{% macro la_scoped_key(la_code, id_column) -%}
    case when {{ id_column }} is not null then
        {{ dbt.concat([dbt.cast(la_code, dbt.type_string()), "':'", dbt.cast(id_column, dbt.type_string())]) }}
    end
{%- endmacro %}

{#- Whole years between a date of birth and a later date: the most years n whose birthday,
    the date of birth plus n years (add_years: 29 February falls on 28 February in other
    years, the boundary rule every measure uses), is on or before `on_date`. A child born
    on 29 February 2000 is 15 on 28 February 2015. -#}
{% macro age_in_years(date_of_birth, on_date) -%}
    {%- set years = "(extract(year from " ~ on_date ~ ")"
                    ~ " - extract(year from " ~ date_of_birth ~ "))" -%}
    ({{ years }}
     - case when {{ add_years(date_of_birth, years) }} > {{ on_date }} then 1 else 0 end)
{%- endmacro %}

{#- The key of an agency in dim_agencies: '<kind>:<name>', e.g. 'contact_referrer:Police'
    or 'caf_initiating_agency:Housing'; NULL when no agency is recorded. -#}
{% macro agency_key(agency_kind, agency_name) -%}
    case when {{ agency_name }} is not null then
        {{ dbt.concat(["'" ~ agency_kind ~ "'", "':'", agency_name]) }}
    end
{%- endmacro %}

{#- The rows of `relation`, an intermediate model with one row per record per extract date
    (as_at), as they stood on the latest extract: the same records latest_versions gives,
    with what the intermediate model computed for them (e.g. an event's timeliness). -#}
{% macro as_at_latest_extract(relation) -%}
    select at_latest.*
    from {{ relation }} as at_latest
    where at_latest.as_at = (select max(extract_date) from {{ ref('stg_meta__extracts') }})
{%- endmacro %}
