-- One row per child (RAISE person) as recorded in the latest extract, pseudonymised: the
-- child_key hash instead of person_id, year of birth and age band instead of a date of
-- birth; no names, postcodes or UPNs.
with persons as (
    {{ latest_versions('int_source__persons') }}
),

latest_extract as (
    select max(extract_date) as as_at from {{ ref('stg_meta__extracts') }}
),

aged as (
    select
        persons.la_code,
        persons.person_id,
        persons.sex,
        persons.ethnicity,
        persons.date_of_birth,
        persons.date_of_death,
        latest_extract.as_at,
        {{ age_in_years('persons.date_of_birth', 'latest_extract.as_at') }} as age
    from persons
    cross join latest_extract
),

children as (
    select
        {{ pseudonymous_id('la_code', 'person_id') }} as child_key,
        la_code,
        -- who
        sex,
        ethnicity,
        cast(extract(year from date_of_birth) as integer) as year_of_birth,
        -- age at the latest extract
        as_at as age_as_at,
        cast(age as integer) as age_at_latest_extract,
        case
            when date_of_birth is null then 'Unknown'
            when age < 1 then 'Under 1'
            when age < 5 then '1 to 4'
            when age < 10 then '5 to 9'
            when age < 16 then '10 to 15'
            when age < 18 then '16 to 17'
            else '18 and over'
        end as age_band,
        date_of_death is not null as is_deceased
    from aged
)

select * from children
