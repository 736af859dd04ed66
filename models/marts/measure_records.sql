-- The child-level lists behind the measures, on the latest extract: for a percent measure
-- every record in its denominator with in_numerator saying whether it is in the numerator
-- (the late assessments behind a timeliness figure are the rows with in_numerator false);
-- for a count measure the records counted. Children appear only by their pseudonymous id.
with records as (
    select * from {{ ref('int_measure_records') }}
),

computations as (
    select * from {{ ref('int_period_computations') }}
    where is_latest
)

select
    {{ measure_records_columns(include_as_reported_basis=false) }}
from records
inner join computations
    on computations.reporting_period = records.reporting_period
    and computations.as_at = records.as_at
-- what the LA's source cannot give is not listed either (int_measure_availability)
inner join {{ ref('int_measure_availability') }} as availability
    on availability.la_code = records.la_code
    and availability.measure_id = records.measure_id
where availability.has_figures
