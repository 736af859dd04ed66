-- One row per section 47 enquiry in the latest extract, with the working days from its
-- start (the strategy discussion) to its end.
with s47_enquiries as (
    {{ latest_versions('stg_raise__s47_enquiries') }}
),

calendar as (
    select * from {{ ref('int_calendar') }}
)

select
    -- keys
    {{ la_scoped_key('s47_enquiries.la_code', 's47_enquiries.s47_id') }} as s47_key,
    s47_enquiries.la_code,
    s47_enquiries.s47_id,
    {{ la_scoped_key('s47_enquiries.la_code', 's47_enquiries.referral_id') }} as referral_key,
    {{ pseudonymous_id('s47_enquiries.la_code', 's47_enquiries.person_id') }} as child_key,
    -- dates
    s47_enquiries.start_date,
    s47_enquiries.end_date,
    -- outcome
    s47_enquiries.icpc_required,
    end_day.working_day_number - start_day.working_day_number as working_days_to_end
from s47_enquiries
left join calendar as start_day on start_day.date_day = s47_enquiries.start_date
left join calendar as end_day on end_day.date_day = s47_enquiries.end_date
