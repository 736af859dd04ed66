-- One row per child protection conference (initial, review, transfer-in) in the latest
-- extract, with the working days from the S47 enquiry's start to the conference, as
-- int_conference_timeliness counted them.
with conferences as (
    {{ latest_versions('int_source__cp_conferences') }}
),

s47_enquiries as (
    {{ latest_versions('int_source__s47_enquiries') }}
),

timeliness as (
    {{ as_at_latest_extract(ref('int_conference_timeliness')) }}
)

select
    -- keys
    {{ la_scoped_key('conferences.la_code', 'conferences.conference_id') }} as conference_key,
    conferences.la_code,
    conferences.conference_id,
    {{ pseudonymous_id('conferences.la_code', 'conferences.person_id') }} as child_key,
    {{ la_scoped_key('conferences.la_code', 'conferences.s47_id') }} as s47_key,
    {{ la_scoped_key('conferences.la_code', 'conferences.cp_plan_id') }} as cp_plan_key,
    -- what and when
    conferences.conference_type,
    conferences.conference_type = 'transfer_in' as is_transfer_in,
    conferences.conference_date,
    s47_enquiries.start_date as s47_start_date,
    -- outcome
    conferences.outcome_plan,
    conferences.child_participation,
    timeliness.working_days as working_days_from_s47_start
from conferences
left join s47_enquiries
    on s47_enquiries.la_code = conferences.la_code
    and s47_enquiries.s47_id = conferences.s47_id
left join timeliness
    on timeliness.la_code = conferences.la_code
    and timeliness.conference_id = conferences.conference_id
