-- Children-in-care reviews from either source, every version. An SSD review's person is
-- its own where the deployment has it (Mosaic), else its period of care's (ids do not
-- change between versions). A cancelled SSD review is not a review.
with ssd_periods as (
    select distinct la_code, period_of_care_id, person_id
    from {{ ref('stg_ssd__cla_episodes') }}
)

select
    la_code,
    review_id,
    person_id,
    review_date,
    participation_code,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__cla_reviews') }}
union all
select
    reviews.la_code,
    reviews.review_id,
    coalesce(reviews.person_id, ssd_periods.person_id) as person_id,
    reviews.review_date,
    reviews.participation_code,
    reviews.valid_from,
    reviews.valid_to,
    'ssd' as source_system
from {{ ref('stg_ssd__cla_reviews') }} as reviews
left join ssd_periods
    on ssd_periods.la_code = reviews.la_code
    and ssd_periods.period_of_care_id = reviews.period_of_care_id
where not coalesce(reviews.is_cancelled, false)
