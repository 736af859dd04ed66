-- Records behind cin_at_period_end: children in need on the period end (an open referral
-- that was not NFA: referral date on or before it, no closure date or one after it), leaving
-- out children on a CP plan or in care that day. One record per child, the latest open
-- referral; team and worker are that referral's.
{{ config(materialized='table') }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id = 'cin_at_period_end'
),

referrals as (
    select * from {{ ref('int_referral_histories') }}
),

plans as (
    select * from {{ ref('int_cp_plans_as_at') }}
),

episodes as (
    select * from {{ ref('int_cla_episodes_as_at') }}
),

open_referrals as (
    select
        grid.reporting_period,
        grid.window_end,
        referrals.*,
        row_number() over (
            partition by grid.reporting_period, referrals.as_at, referrals.la_code, referrals.person_id
            order by referrals.referral_date desc, referrals.referral_id desc
        ) as referral_rank
    from grid
    inner join referrals
        on referrals.as_at = grid.as_at
        and {{ is_open_on('referrals.referral_date', 'referrals.closure_date', 'grid.window_end') }}
        and not referrals.is_nfa
),

on_plan_or_in_care as (
    select distinct grid.reporting_period, plans.as_at, plans.la_code, plans.person_id
    from grid
    inner join plans
        on plans.as_at = grid.as_at
        and {{ is_open_on('plans.start_date', 'plans.end_date', 'grid.window_end') }}
    union
    select distinct grid.reporting_period, episodes.as_at, episodes.la_code, episodes.person_id
    from grid
    inner join episodes
        on episodes.as_at = grid.as_at
        and {{ is_open_on('episodes.start_date', 'episodes.end_date', 'grid.window_end') }}
),

children_in_need as (
    select open_referrals.*
    from open_referrals
    left join on_plan_or_in_care
        on on_plan_or_in_care.reporting_period = open_referrals.reporting_period
        and on_plan_or_in_care.as_at = open_referrals.as_at
        and on_plan_or_in_care.la_code = open_referrals.la_code
        and on_plan_or_in_care.person_id = open_referrals.person_id
    where open_referrals.referral_rank = 1
      and on_plan_or_in_care.person_id is null
)

select {{ measure_record('cin_at_period_end', 'referral', 'referral_id', 'true', 'window_end',
                         start_date='referral_date') }}
from children_in_need
