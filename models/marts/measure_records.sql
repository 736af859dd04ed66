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
    records.la_code,
    records.measure_id,
    records.reporting_period,
    {{ period_type_of('records.reporting_period') }} as period_type,
    {{ period_sort_key('records.reporting_period') }} as period_sort_key,
    records.as_at,
    records.record_type,
    records.record_id,
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_id,
    -- the star schema's names for the same keys (docs/analysts.md, "Changes")
    case
        when records.person_id is not null
            then {{ pseudonymous_id('records.la_code', 'records.person_id') }}
    end as child_key,
    records.team_id,
    {{ la_scoped_key('records.la_code', 'records.team_id') }} as team_key,
    records.worker_id,
    {{ la_scoped_key('records.la_code', 'records.worker_id') }} as worker_key,
    records.initiating_agency,
    records.start_date,
    records.event_date,
    records.working_days,
    records.in_numerator
from records
inner join computations
    on computations.reporting_period = records.reporting_period
    and computations.as_at = records.as_at
