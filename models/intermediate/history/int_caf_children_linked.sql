-- CAF children linked to RAISE persons on each extract date this build computes on: one
-- row per (as_at, la_code, caf_child_id) link with its match probability and how it was
-- made. The links are the linkage step's (csc.linkage: the RAISE id the CAF record
-- carries, a clerical decision, or Splink) in force on that date, so a figure computed on
-- an old extract keeps the links it had; a CAF child with no link then keeps the RAISE id
-- its most recent version up to that date carried (a child no longer in the extract).
-- An SSD landing has no CAF database: its early help episodes are held against the
-- social-care person id (int_source__caf_assessments gives them that id as caf_child_id),
-- so each such child is linked to that person exactly (link_method 'ssd_person_id'); the
-- Splink linkage runs on the CAF database only.
with extracts as (
    select as_at from {{ ref('int_extract_dates') }}
),

link_versions as (
    select * from {{ ref('stg_linkage__caf_person_links') }}
),

linkage_links as (
    select
        extracts.as_at,
        link_versions.la_code,
        link_versions.caf_child_id,
        link_versions.person_id,
        link_versions.match_probability,
        link_versions.link_method
    from extracts
    inner join link_versions on {{ in_force_at('link_versions', 'extracts.as_at') }}
),

caf_children as (
    select * from {{ ref('stg_caf__caf_children') }}
),

latest_versions as (
    select
        extracts.as_at,
        caf_children.la_code,
        caf_children.caf_child_id,
        caf_children.raise_person_id,
        row_number() over (
            partition by extracts.as_at, caf_children.la_code, caf_children.caf_child_id
            order by caf_children.valid_from desc
        ) as recency
    from extracts
    inner join caf_children on caf_children.valid_from <= extracts.as_at
),

carried_ids as (
    select
        latest_versions.as_at,
        latest_versions.la_code,
        latest_versions.caf_child_id,
        latest_versions.raise_person_id as person_id,
        cast(1.0 as double) as match_probability,
        'raise_id' as link_method
    from latest_versions
    left join linkage_links
        on linkage_links.as_at = latest_versions.as_at
        and linkage_links.la_code = latest_versions.la_code
        and linkage_links.caf_child_id = latest_versions.caf_child_id
    where latest_versions.recency = 1
        and latest_versions.raise_person_id is not null
        and linkage_links.caf_child_id is null
),

ssd_early_help_children as (
    select distinct
        as_at,
        la_code,
        caf_child_id,
        caf_child_id as person_id,
        cast(1.0 as double) as match_probability,
        'ssd_person_id' as link_method
    from {{ ref('int_caf_assessments_as_at') }}
    where source_system = 'ssd'
)

select * from linkage_links
union all
select * from carried_ids
union all
select * from ssd_early_help_children
