-- Child protection conferences from either source, every version: RAISE's, or the SSD's
-- initial conferences (a transfer-in one typed transfer_in) and reviews. A review's person
-- is its own where the deployment has it, else its plan's (plan ids do not change between
-- versions). The SSD records the child's participation at reviews only.
with ssd_plan_persons as (
    select distinct la_code, cp_plan_id, person_id
    from {{ ref('stg_ssd__cp_plans') }}
),

ssd_reviews as (
    select
        reviews.la_code,
        reviews.conference_id,
        coalesce(reviews.person_id, ssd_plan_persons.person_id) as person_id,
        reviews.cp_plan_id,
        reviews.conference_date,
        reviews.child_participation,
        reviews.outcome_plan,
        reviews.valid_from,
        reviews.valid_to
    from {{ ref('stg_ssd__cp_reviews') }} as reviews
    left join ssd_plan_persons
        on ssd_plan_persons.la_code = reviews.la_code
        and ssd_plan_persons.cp_plan_id = reviews.cp_plan_id
)

select
    la_code,
    conference_id,
    person_id,
    s47_id,
    cp_plan_id,
    conference_date,
    conference_type,
    child_participation,
    outcome_plan,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__cp_conferences') }}
union all
select
    la_code,
    conference_id,
    person_id,
    s47_id,
    cp_plan_id,
    conference_date,
    case when is_transfer_in then 'transfer_in' else 'initial' end as conference_type,
    cast(null as {{ dbt.type_string() }}) as child_participation,
    outcome_plan,
    valid_from,
    valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__initial_conferences') }}
union all
select
    la_code,
    conference_id,
    person_id,
    cast(null as {{ dbt.type_string() }}) as s47_id,
    cp_plan_id,
    conference_date,
    'review' as conference_type,
    child_participation,
    outcome_plan,
    valid_from,
    valid_to,
    'ssd' as source_system
from ssd_reviews
