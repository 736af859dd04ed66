-- CAF children linked to RAISE persons: one row per (la_code, caf_child_id) link with its
-- match probability and how it was made. The links come from the linkage step of the
-- refresh (csc.linkage: the RAISE id the CAF record carries, a clerical decision, or
-- Splink) on the latest extract; a CAF child no longer in the latest extract keeps the
-- RAISE id its most recent version carried.
with linkage_links as (
    select
        la_code,
        caf_child_id,
        person_id,
        match_probability,
        link_method
    from {{ ref('stg_linkage__caf_person_links') }}
),

caf_children as (
    select * from {{ ref('stg_caf__caf_children') }}
),

latest_versions as (
    select
        la_code,
        caf_child_id,
        raise_person_id,
        row_number() over (
            partition by la_code, caf_child_id order by valid_from desc
        ) as recency
    from caf_children
),

carried_ids as (
    select
        latest_versions.la_code,
        latest_versions.caf_child_id,
        latest_versions.raise_person_id as person_id,
        cast(1.0 as double) as match_probability,
        'raise_id' as link_method
    from latest_versions
    left join linkage_links
        on linkage_links.la_code = latest_versions.la_code
        and linkage_links.caf_child_id = latest_versions.caf_child_id
    where latest_versions.recency = 1
      and latest_versions.raise_person_id is not null
      and linkage_links.caf_child_id is null
)

select * from linkage_links
union all
select * from carried_ids
