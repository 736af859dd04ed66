-- One row per section 47 enquiry in the latest extract, with the working days from its
-- start (the strategy discussion) to its end, as int_s47_enquiry_timeliness counted them.
with s47_enquiries as (
    {{ latest_versions('int_source__s47_enquiries') }}
),

timeliness as (
    {{ as_at_latest_extract(ref('int_s47_enquiry_timeliness')) }}
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
    timeliness.working_days as working_days_to_end
from s47_enquiries
left join timeliness
    on timeliness.la_code = s47_enquiries.la_code
    and timeliness.s47_id = s47_enquiries.s47_id
