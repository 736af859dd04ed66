-- Care leavers' 17th to 21st birthdays on each extract date (the SSDA903 definition), with
-- the keeping-in-touch record for each birthday.
-- A birthday is a care leaver's when the young person was looked after for at least 13 weeks
-- (91 days) in all after their 14th birthday, some of it on or after their 16th, ceased to
-- be looked after on or before that birthday and is not looked after on it (an episode that
-- ends on the birthday counts: "open on" a date needs an end after it). Only care before the
-- birthday counts. Every such birthday is a record, with or without a keeping-in-touch
-- record: the care_leaver_contacts row closest to the birthday within 3 months either side
-- (the earlier one on a tie); none counts as neither suitable nor EET. A 29 February
-- birthday falls on 28 February in other years.
{% set weeks_required = 13 %}
with persons as (
    select * from {{ ref('int_persons_as_at') }}
),

episodes as (
    select as_at, la_code, person_id, start_date, end_date
    from {{ ref('int_cla_episodes_as_at') }}
    where start_date is not null
),

keeping_in_touch as (
    select * from {{ ref('int_care_leaver_contacts_as_at') }}
),

looked_after as (
    select distinct as_at, la_code, person_id from episodes
),

ages as (
    {% for age in range(17, 22) %}
    select {{ age }} as age{% if not loop.last %} union all{% endif %}
    {% endfor %}
),

birthdays as (
    select
        looked_after.as_at,
        looked_after.la_code,
        looked_after.person_id,
        ages.age,
        {{ add_years('persons.date_of_birth', 'ages.age') }} as birthday,
        {{ add_years('persons.date_of_birth', 14) }} as fourteenth_birthday,
        {{ add_years('persons.date_of_birth', 16) }} as sixteenth_birthday
    from looked_after
    inner join persons
        on persons.as_at = looked_after.as_at
        and persons.la_code = looked_after.la_code
        and persons.person_id = looked_after.person_id
    cross join ages
    where persons.date_of_birth is not null
),

-- each episode's part from the 14th (16th) birthday up to the day before the birthday
care_spells as (
    select
        birthdays.as_at,
        birthdays.la_code,
        birthdays.person_id,
        birthdays.age,
        greatest(episodes.start_date, birthdays.fourteenth_birthday) as from_14,
        greatest(episodes.start_date, birthdays.sixteenth_birthday) as from_16,
        least(coalesce(episodes.end_date, birthdays.birthday), birthdays.birthday)
            as until_birthday,
        case
            when {{ is_open_on('episodes.start_date', 'episodes.end_date',
                               'birthdays.birthday') }} then 1
            else 0
        end as is_looked_after_on_birthday
    from birthdays
    inner join episodes
        on episodes.as_at = birthdays.as_at
        and episodes.la_code = birthdays.la_code
        and episodes.person_id = birthdays.person_id
),

spell_days as (
    select
        *,
        case
            when until_birthday > from_14
                then {{ dbt.datediff('from_14', 'until_birthday', 'day') }}
            else 0
        end as days_after_14,
        case when until_birthday > from_16 then 1 else 0 end as is_after_16
    from care_spells
),

care_before_birthday as (
    select
        as_at,
        la_code,
        person_id,
        age,
        sum(days_after_14) as days_after_14,
        max(is_after_16) as was_looked_after_after_16,
        max(is_looked_after_on_birthday) as is_looked_after_on_birthday
    from spell_days
    group by as_at, la_code, person_id, age
),

leavers as (
    select birthdays.*
    from birthdays
    inner join care_before_birthday
        on care_before_birthday.as_at = birthdays.as_at
        and care_before_birthday.la_code = birthdays.la_code
        and care_before_birthday.person_id = birthdays.person_id
        and care_before_birthday.age = birthdays.age
    where
        care_before_birthday.days_after_14 >= {{ 7 * weeks_required }}
        and care_before_birthday.was_looked_after_after_16 = 1
        and care_before_birthday.is_looked_after_on_birthday = 0
),

candidates as (
    select
        leavers.as_at,
        leavers.la_code,
        leavers.person_id,
        leavers.age,
        kit.contact_date,
        kit.activity,
        kit.accommodation_suitable,
        row_number() over (
            partition by leavers.as_at, leavers.la_code, leavers.person_id, leavers.age
            order by
                abs({{ dbt.datediff('leavers.birthday', 'kit.contact_date', 'day') }}),
                kit.contact_date
        ) as closeness_rank
    from leavers
    inner join keeping_in_touch as kit
        on kit.as_at = leavers.as_at
        and kit.la_code = leavers.la_code
        and kit.person_id = leavers.person_id
        and kit.contact_date between {{ add_months('leavers.birthday', -3) }}
        and {{ add_months('leavers.birthday', 3) }}
)

select
    leavers.as_at,
    leavers.la_code,
    leavers.person_id,
    leavers.age,
    leavers.birthday,
    candidates.contact_date as keeping_in_touch_date,
    coalesce(candidates.accommodation_suitable, false) as is_suitably_accommodated,
    coalesce(substr(candidates.activity, 1, 1) in ('F', 'P'), false) as is_in_eet
from leavers
left join candidates
    on candidates.as_at = leavers.as_at
    and candidates.la_code = leavers.la_code
    and candidates.person_id = leavers.person_id
    and candidates.age = leavers.age
    and candidates.closeness_rank = 1
