-- Records behind the caseload measures: the open cases on the period end, one record per
-- child, with the allocation holding the case that day.
--   open_cases_at_period_end         every child with an open case on the period end: a
--                                    referral that was not NFA, a CP plan or a care episode
--                                    open on it, or a personal-adviser allocation open on it
--                                    (a care leaver); the record is the first of in care, on
--                                    a plan, in need, care leaver (the latest of its kind).
--                                    By team and worker: the caseloads
--   unallocated_cases_at_period_end  those with no allocated worker on the period end: no
--                                    allocation in force, or the team holds the case waiting
--                                    for a worker
-- Team and worker: the child's allocation in force on the period end (catalogue team_source
-- = 'allocation', which int_measure_records applies with the same macro).
{% set measures = ['open_cases_at_period_end', 'unallocated_cases_at_period_end'] %}
with referrals as (
    {{ records_in_scope(ref('int_referral_histories')) }}
),

plans as (
    {{ records_in_scope(ref('int_cp_plans_as_at')) }}
),

episodes as (
    {{ records_in_scope(ref('int_cla_episodes_as_at')) }}
),

personal_advisers as (
    select in_scope.* from ({{ records_in_scope(ref('int_child_allocations')) }}) as in_scope
    where in_scope.allocation_role = 'personal_adviser'
),

in_care as (
    {{ records_in_window(measures, 'episodes', open_on_window_end=('start_date', 'end_date')) }}
),

on_plan as (
    {{ records_in_window(measures, 'plans', open_on_window_end=('start_date', 'end_date')) }}
),

in_need as (
    {{ records_in_window(measures, 'referrals',
                         open_on_window_end=('referral_date', 'closure_date'),
                         where='not records.is_nfa') }}
),

care_leavers as (
    {{ records_in_window(measures, 'personal_advisers',
                         open_on_window_end=('allocated_from', 'allocated_until')) }}
),

open_cases as (
    select
        measure_id, reporting_period, window_end, as_at, la_code, person_id,
        'cla_episode' as case_type, 1 as case_order, episode_id as case_record_id,
        start_date as case_start_date
    from in_care
    union all
    select
        measure_id, reporting_period, window_end, as_at, la_code, person_id,
        'cp_plan' as case_type, 2 as case_order, cp_plan_id as case_record_id,
        start_date as case_start_date
    from on_plan
    union all
    select
        measure_id, reporting_period, window_end, as_at, la_code, person_id,
        'referral' as case_type, 3 as case_order, referral_id as case_record_id,
        referral_date as case_start_date
    from in_need
    union all
    select
        measure_id, reporting_period, window_end, as_at, la_code, person_id,
        'allocation' as case_type, 4 as case_order, allocation_id as case_record_id,
        allocated_from as case_start_date
    from care_leavers
),

-- one case per child: in care, then on a plan, then in need, then care leaver; the latest
-- of its kind
child_cases as (
    {{ first_per_child('open_cases', 'case_order, case_start_date desc, case_record_id desc') }}
),

held as (
    {{ with_allocation_in_force('child_cases', 'records.window_end',
                                key=['measure_id', 'reporting_period', 'as_at', 'la_code',
                                     'person_id']) }}
)

select {{ measure_record('open_cases_at_period_end', none, 'case_record_id', 'true', 'window_end',
                         start_date='case_start_date', team_id='allocated_team_id',
                         worker_id='allocated_worker_id', record_type_column='case_type') }}
from held
where measure_id = 'open_cases_at_period_end'
union all
select {{ measure_record('unallocated_cases_at_period_end', none, 'case_record_id', 'true',
                         'window_end', start_date='case_start_date', team_id='allocated_team_id',
                         worker_id='allocated_worker_id', record_type_column='case_type') }}
from held
where measure_id = 'unallocated_cases_at_period_end' and allocated_worker_id is null
