-- Each care leaver's 16th to 21st birthdays on each extract date, with the keeping-in-touch
-- record for that birthday: the care_leaver_contacts row closest to it within 3 months
-- either side (the earlier one on a tie). A care leaver is a person with care_leaver_contacts
-- rows. A 29 February birthday falls on 28 February in other years.
with persons as (
    select * from {{ ref('int_persons_as_at') }}
),

keeping_in_touch as (
    select * from {{ ref('int_care_leaver_contacts_as_at') }}
),

care_leavers as (
    select distinct as_at, la_code, person_id from keeping_in_touch
),

ages as (
    {% for age in range(16, 22) %}
    select {{ age }} as age{% if not loop.last %} union all{% endif %}
    {% endfor %}
),

birthdays as (
    select
        care_leavers.as_at,
        care_leavers.la_code,
        care_leavers.person_id,
        ages.age,
        {{ add_years('persons.date_of_birth', 'ages.age') }} as birthday
    from care_leavers
    inner join persons
        on persons.as_at = care_leavers.as_at
        and persons.la_code = care_leavers.la_code
        and persons.person_id = care_leavers.person_id
    cross join ages
    where persons.date_of_birth is not null
),

candidates as (
    select
        birthdays.as_at,
        birthdays.la_code,
        birthdays.person_id,
        birthdays.age,
        keeping_in_touch.contact_date,
        keeping_in_touch.activity,
        keeping_in_touch.accommodation_suitable,
        row_number() over (
            partition by birthdays.as_at, birthdays.la_code, birthdays.person_id, birthdays.age
            order by
                abs(
                    {{ dbt.datediff('birthdays.birthday', 'keeping_in_touch.contact_date', 'day') }}
                ),
                keeping_in_touch.contact_date
        ) as closeness_rank
    from birthdays
    inner join keeping_in_touch
        on keeping_in_touch.as_at = birthdays.as_at
        and keeping_in_touch.la_code = birthdays.la_code
        and keeping_in_touch.person_id = birthdays.person_id
        and (
            keeping_in_touch.contact_date
            between {{ add_months('birthdays.birthday', -3) }}
            and {{ add_months('birthdays.birthday', 3) }}
        )
)

select
    birthdays.as_at,
    birthdays.la_code,
    birthdays.person_id,
    birthdays.age,
    birthdays.birthday,
    candidates.contact_date as keeping_in_touch_date,
    coalesce(candidates.accommodation_suitable, false) as is_suitably_accommodated,
    coalesce(substr(candidates.activity, 1, 1) in ('F', 'P'), false) as is_in_eet
from birthdays
left join candidates
    on candidates.as_at = birthdays.as_at
    and candidates.la_code = birthdays.la_code
    and candidates.person_id = birthdays.person_id
    and candidates.age = birthdays.age
    and candidates.closeness_rank = 1
