-- Records behind care_leavers_suitable_accommodation and care_leavers_eet: care leavers'
-- 17th to 21st birthdays in the window (the SSDA903 definition, int_care_leaver_birthdays),
-- flagged by the keeping-in-touch record for that birthday (no record counts as not). Team
-- and worker: none here; int_measure_records credits the allocation on the birthday.
{% set flags = {
    'care_leavers_suitable_accommodation': 'is_suitably_accommodated',
    'care_leavers_eet': 'is_in_eet',
} %}
with birthdays as (
    select
        *,
        -- the record is the child's birthday; the child is identified by person_id
        {{ dbt.concat(["'birthday '", dbt.cast('age', dbt.type_string())]) }} as birthday_id
    from ({{ records_in_scope(ref('int_care_leaver_birthdays')) }}) as in_scope
),

in_window as (
    {{ records_in_window(flags.keys() | list, 'birthdays', date_column='birthday') }}
),

records as (
    {% for measure_id, flag in flags.items() %}
    select {{ measure_record(measure_id, 'care_leaver_birthday', 'birthday_id', flag, 'birthday',
                             start_date='keeping_in_touch_date', team_id='null', worker_id='null') }}
    from in_window where measure_id = '{{ measure_id }}'
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from records
