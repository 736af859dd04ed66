-- The children whose records this build computes again on the latest extract when it
-- carries the others' (int_latest_carry, macros/kept_computations.sql): every child with
-- a version of any of their records added, closed or deleted since the previous latest
-- extract, a child a changed CAF child or CAF assessment is or was linked to, either side
-- of a changed link, and every child of an LA where a record refers to another child's
-- record (a referral to another child's contact, ...: a change to one child's record could
-- then move another's). Empty when nothing is carried.
{% set person_tables = ['persons', 'allocations', 'contacts', 'referrals', 'assessments',
                        's47_enquiries', 'cp_conferences', 'cp_plans', 'cla_episodes',
                        'cla_reviews', 'care_leaver_contacts'] %}
{#- the versions that say which CAF children changed: the CAF child's own, its
    assessments' and its links' -#}
{% set caf_child_versions = [ref('stg_caf__caf_children'), ref('int_source__caf_assessments'),
                             ref('stg_linkage__caf_person_links')] %}
{#- records that refer to another record by its id: (referring table, referred table, the
    referred record's id); the two may belong to different children -#}
{% set references = [('referrals', 'contacts', 'contact_id'),
                     ('assessments', 'referrals', 'referral_id'),
                     ('s47_enquiries', 'referrals', 'referral_id'),
                     ('cp_conferences', 's47_enquiries', 's47_id'),
                     ('cp_conferences', 'cp_plans', 'cp_plan_id')] %}
with carry as (
    select carried_from from {{ ref('int_latest_carry') }}
    where carried_from is not null
),

changed_records as (
    {% for table in person_tables %}
    select versions.la_code, versions.person_id
    from {{ ref('int_source__' ~ table) }} as versions
    inner join carry
        on carry.carried_from < versions.valid_from
        or carry.carried_from < versions.valid_to
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

changed_caf_children as (
    {% for relation in caf_child_versions %}
    select versions.la_code, versions.caf_child_id
    from {{ relation }} as versions
    inner join carry
        on carry.carried_from < versions.valid_from
        or carry.carried_from < versions.valid_to
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- every person a changed CAF child is or was linked to, by the linkage or by the RAISE id
-- one of its versions carries (and, on an SSD landing, the person it is held against)
changed_through_caf as (
    select links.la_code, links.person_id
    from {{ ref('stg_linkage__caf_person_links') }} as links
    inner join changed_caf_children as changed
        on changed.la_code = links.la_code and changed.caf_child_id = links.caf_child_id
    union all
    select children.la_code, children.raise_person_id as person_id
    from {{ ref('stg_caf__caf_children') }} as children
    inner join changed_caf_children as changed
        on changed.la_code = children.la_code and changed.caf_child_id = children.caf_child_id
    where children.raise_person_id is not null
    union all
    select la_code, caf_child_id as person_id
    from changed_caf_children
),

-- LAs where a record, in any version, refers to a record of another child
entangled_las as (
    {% for referring, referred, id in references %}
    select referring.la_code
    from {{ ref('int_source__' ~ referring) }} as referring
    inner join {{ ref('int_source__' ~ referred) }} as referred
        on referred.la_code = referring.la_code and referred.{{ id }} = referring.{{ id }}
    where referred.person_id <> referring.person_id
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

everyone_in_entangled_las as (
    select persons.la_code, persons.person_id
    from {{ ref('int_source__persons') }} as persons
    where exists (select 1 from carry)
        and persons.la_code in (select entangled_las.la_code from entangled_las)
)

select distinct la_code, person_id from changed_records
union
select distinct la_code, person_id from changed_through_caf
union
select distinct la_code, person_id from everyone_in_entangled_las
