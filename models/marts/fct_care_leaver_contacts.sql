-- One row per keeping-in-touch contact with a care leaver in the latest extract: whether
-- in touch, their activity (education, employment, training) and accommodation.
with care_leaver_contacts as (
    {{ latest_versions('int_source__care_leaver_contacts') }}
),

keyed as (
    select
        {{ pseudonymous_id('care_leaver_contacts.la_code', 'care_leaver_contacts.person_id') }}
            as child_key,
        care_leaver_contacts.*
    from care_leaver_contacts
)

select
    -- keys
    {{ dbt.concat(['child_key', "':'", dbt.cast('contact_date', dbt.type_string())]) }}
        as care_leaver_contact_key,
    la_code,
    child_key,
    -- date
    contact_date,
    -- codes
    in_touch,
    activity,
    accommodation,
    accommodation_suitable,
    -- flags
    activity like 'F%' or activity like 'P%' as is_in_education_employment_or_training
from keyed
