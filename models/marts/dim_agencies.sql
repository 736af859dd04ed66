-- The agencies children come to us from: contact referrers (the local labels Table 1 of
-- the Cabinet report prints, with the DfE CIN census ReferralSource code most often
-- recorded with each) and the agencies that initiate CAFs (Appendix 2's breakdown).
-- Built from the latest extract, so it lists the agencies actually recorded.
with contacts as (
    {{ latest_versions('int_source__contacts') }}
),

cafs as (
    {{ latest_versions('int_source__caf_assessments') }}
),

referrer_codes as (
    select
        contact_source,
        contact_source_code,
        count(*) as contacts
    from contacts
    where contact_source is not null
    group by contact_source, contact_source_code
),

ranked_codes as (
    select
        contact_source,
        contact_source_code,
        contacts,
        row_number() over (
            partition by contact_source
            order by
                case when contact_source_code is null then 1 else 0 end,
                contacts desc, contact_source_code asc
        ) as rank_in_source
    from referrer_codes
),

referrers as (
    select
        'contact_referrer' as agency_kind,
        contact_source as agency_name,
        contact_source_code as cin_referral_source_code
    from ranked_codes
    where rank_in_source = 1
),

caf_agencies as (
    select distinct
        'caf_initiating_agency' as agency_kind,
        initiating_agency as agency_name,
        cast(null as {{ dbt.type_string() }}) as cin_referral_source_code
    from cafs
    where initiating_agency is not null
),

agencies as (
    select * from referrers
    union all
    select * from caf_agencies
)

select
    case agency_kind
        when 'contact_referrer' then {{ agency_key('contact_referrer', 'agency_name') }}
        else {{ agency_key('caf_initiating_agency', 'agency_name') }}
    end as agency_key,
    agency_kind,
    agency_name,
    cin_referral_source_code
from agencies
