-- Table 1 of the Cabinet report: contacts in each period's quarter window (the whole year
-- for a year period) by referrer (contact_source) and what the case resulted in, on every
-- extract a period is computed on:
--   closed_logged            the contact was closed and logged as an enquiry
--   nfa                      it became a referral marked NFA
--   proceeded_to_assessment  it became a referral on which an initial or single assessment
--                            has started (and that is not NFA)
--   yet_to_proceed           everything else: a referral with neither yet, or a contact
--                            still awaiting a decision
-- Every referrer the LA has ever recorded gets all four outcomes in every period (zeros
-- included), so the table keeps its shape from quarter to quarter.
-- Incremental like int_measure_computed (macros/kept_computations.sql): the computations
-- this build ran, plus the as-reported ones stored by earlier builds.
-- depends_on: {{ ref('int_period_computations') }}, {{ ref('int_computations_to_run') }}
{{ config(
    materialized=kept_computations_materialization(),
    incremental_strategy='append',
    pre_hook="{{ forget_recomputed_computations() }}"
) }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id = 'contacts'
),

-- Table 1 follows each contact to the referral it became (referrals.contact_id): the
-- Standard Safeguarding Dataset does not record that, so an SSD landing has no Table 1
-- (docs/sources.md) rather than one with every referral 'yet to proceed'.
contacts as (
    select * from {{ ref('int_contacts_as_at') }}
    where source_system = 'raise'
),

referrals as (
    select * from {{ ref('int_referral_histories') }}
),

outcomes as (
    select 'closed_logged' as outcome
    union all select 'nfa'
    union all select 'proceeded_to_assessment'
    union all select 'yet_to_proceed'
),

referrers as (
    select distinct la_code, coalesce(contact_source, 'Not recorded') as referrer
    from contacts
),

referral_of_contact as (
    select
        as_at,
        la_code,
        contact_id,
        max(case when is_nfa then 1 else 0 end) = 1 as is_nfa,
        max(case when has_assessment_started then 1 else 0 end) = 1 as has_assessment_started
    from referrals
    where contact_id is not null
    group by as_at, la_code, contact_id
),

classified as (
    select
        grid.reporting_period,
        grid.as_at,
        contacts.la_code,
        coalesce(contacts.contact_source, 'Not recorded') as referrer,
        case
            when contacts.outcome = 'closed_logged' then 'closed_logged'
            when referral_of_contact.is_nfa then 'nfa'
            when referral_of_contact.has_assessment_started then 'proceeded_to_assessment'
            else 'yet_to_proceed'
        end as outcome
    from grid
    inner join contacts
        on contacts.as_at = grid.as_at
        and contacts.contact_date between grid.window_start and grid.window_end
    left join referral_of_contact
        on referral_of_contact.as_at = contacts.as_at
        and referral_of_contact.la_code = contacts.la_code
        and referral_of_contact.contact_id = contacts.contact_id
),

counted as (
    select reporting_period, as_at, la_code, referrer, outcome, count(*) as contacts
    from classified
    group by reporting_period, as_at, la_code, referrer, outcome
),

frame as (
    select
        grid.reporting_period, grid.as_at, referrers.la_code, referrers.referrer, outcomes.outcome
    from grid
    cross join referrers
    cross join outcomes
)

select
    frame.la_code,
    frame.reporting_period,
    frame.as_at,
    frame.referrer,
    frame.outcome,
    cast(coalesce(counted.contacts, 0) as bigint) as contacts
from frame
left join counted
    on counted.reporting_period = frame.reporting_period
    and counted.as_at = frame.as_at
    and counted.la_code = frame.la_code
    and counted.referrer = frame.referrer
    and counted.outcome = frame.outcome
