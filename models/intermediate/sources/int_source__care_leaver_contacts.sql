-- Care leavers' keeping-in-touch contacts from either source, every version. The SSD keeps
-- a care leaver's latest contact only (ssd_care_leavers): each contact the warehouse's
-- history of that table has seen is a contact here, from the first night it appeared and
-- still known after a later contact replaced it (a change to the same contact is a new
-- version). Contacts that came and went between two drops are not in the SSD's history.
with ssd_versions as (
    select
        la_code,
        person_id,
        contact_date,
        in_touch,
        activity,
        accommodation,
        accommodation_suitable,
        min(valid_from) as valid_from
    from {{ ref('stg_ssd__care_leavers') }}
    where contact_date is not null
    group by
        la_code, person_id, contact_date, in_touch, activity, accommodation,
        accommodation_suitable
),

ssd_contacts as (
    select
        ssd_versions.*,
        lead(ssd_versions.valid_from) over (
            partition by ssd_versions.la_code, ssd_versions.person_id, ssd_versions.contact_date
            order by ssd_versions.valid_from
        ) as valid_to
    from ssd_versions
)

select
    la_code,
    person_id,
    contact_date,
    in_touch,
    activity,
    accommodation,
    accommodation_suitable,
    valid_from,
    valid_to,
    'raise' as source_system
from {{ ref('stg_raise__care_leaver_contacts') }}
union all
select
    la_code,
    person_id,
    contact_date,
    in_touch,
    activity,
    accommodation,
    accommodation_suitable,
    valid_from,
    valid_to,
    'ssd' as source_system
from ssd_contacts
