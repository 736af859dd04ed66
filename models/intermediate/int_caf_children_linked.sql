-- CAF children linked to RAISE persons: one row per (la_code, caf_child_id, person_id) link
-- with its match probability and how it was made. For now only the exact links the CAF
-- database holds (raise_person_id, from each CAF child's most recent version); the linkage
-- work adds probabilistic (Splink) links here behind the same columns.
with caf_children as (
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
)

select
    la_code,
    caf_child_id,
    raise_person_id as person_id,
    cast(1.0 as double) as match_probability,
    'raise_person_id' as link_method
from latest_versions
where recency = 1 and raise_person_id is not null
