-- Records behind cin_at_period_end: children in need on the period end (an open referral
-- that was not NFA: referral date on or before it, no closure date or one after it), leaving
-- out children on a CP plan or in care that day. One record per child, the latest open
-- referral; the team and worker are credited by int_measure_records from the child's
-- allocation on the period end (catalogue team_source = 'allocation').
with referrals as (
    {{ records_in_scope(ref('int_referral_histories')) }}
),

plans as (
    {{ records_in_scope(ref('int_cp_plans_as_at')) }}
),

episodes as (
    {{ records_in_scope(ref('int_cla_episodes_as_at')) }}
),

open_referrals as (
    {{ records_in_window('cin_at_period_end', 'referrals',
                         open_on_window_end=('referral_date', 'closure_date'),
                         where='not records.is_nfa') }}
),

latest_open_referrals as (
    {{ first_per_child('open_referrals', 'referral_date desc, referral_id desc') }}
),

on_plan_or_in_care as (
    select distinct reporting_period, as_at, la_code, person_id
    from (
        {{ records_in_window('cin_at_period_end', 'plans',
                             open_on_window_end=('start_date', 'end_date')) }}
    ) as on_plan
    union
    select distinct reporting_period, as_at, la_code, person_id
    from (
        {{ records_in_window('cin_at_period_end', 'episodes',
                             open_on_window_end=('start_date', 'end_date')) }}
    ) as in_care
),

children_in_need as (
    select latest_open_referrals.*
    from latest_open_referrals
    left join on_plan_or_in_care
        on on_plan_or_in_care.reporting_period = latest_open_referrals.reporting_period
        and on_plan_or_in_care.as_at = latest_open_referrals.as_at
        and on_plan_or_in_care.la_code = latest_open_referrals.la_code
        and on_plan_or_in_care.person_id = latest_open_referrals.person_id
    where on_plan_or_in_care.person_id is null
)

select {{ measure_record('cin_at_period_end', 'referral', 'referral_id', 'true', 'window_end',
                         start_date='referral_date') }}
from children_in_need
