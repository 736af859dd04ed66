-- Records behind the referral measures: referrals_nfa, contacts_to_assessment (referrals
-- with an initial or single assessment started), re_referrals_12m, referrals_to_s47 (of the
-- referrals not NFA) and caf_step_down (referrals closed RC9 with a CAF of the linked child
-- starting on the closure date or within 30 days after it). Team and worker: the referral's.
{{ config(materialized='table') }}
with grid as (
    select * from {{ ref('int_measure_grid') }}
    where measure_id in ('referrals_nfa', 'contacts_to_assessment', 're_referrals_12m',
                         'referrals_to_s47', 'caf_step_down')
),

referrals as (
    select * from {{ ref('int_referral_histories') }}
),

cafs as (
    select * from {{ ref('int_caf_assessments_linked') }}
),

referred_in_window as (
    select
        grid.measure_id,
        grid.reporting_period,
        referrals.*
    from grid
    inner join referrals
        on referrals.as_at = grid.as_at
        and referrals.referral_date between grid.window_start and grid.window_end
    where grid.measure_id <> 'caf_step_down'
),

stepped_down as (
    select
        grid.reporting_period,
        referrals.as_at,
        referrals.la_code,
        referrals.referral_id,
        referrals.person_id,
        referrals.team_id,
        referrals.worker_id,
        referrals.closure_date,
        min(cafs.start_date) as caf_start_date
    from grid
    inner join referrals
        on referrals.as_at = grid.as_at
        and referrals.closure_date between grid.window_start and grid.window_end
        and referrals.closure_reason = 'RC9'
    inner join cafs
        on cafs.as_at = referrals.as_at
        and cafs.la_code = referrals.la_code
        and cafs.person_id = referrals.person_id
        and cafs.start_date between referrals.closure_date and {{ add_days('referrals.closure_date', 30) }}
    where grid.measure_id = 'caf_step_down'
    group by grid.reporting_period, referrals.as_at, referrals.la_code, referrals.referral_id,
        referrals.person_id, referrals.team_id, referrals.worker_id, referrals.closure_date
)

select {{ measure_record('referrals_nfa', 'referral', 'referral_id', 'is_nfa', 'referral_date') }}
from referred_in_window where measure_id = 'referrals_nfa'
union all
select {{ measure_record('contacts_to_assessment', 'referral', 'referral_id', 'true', 'referral_date') }}
from referred_in_window where measure_id = 'contacts_to_assessment' and has_assessment_started
union all
select {{ measure_record('re_referrals_12m', 'referral', 'referral_id', 'is_re_referral', 'referral_date',
                         start_date='previous_referral_date') }}
from referred_in_window where measure_id = 're_referrals_12m'
union all
select {{ measure_record('referrals_to_s47', 'referral', 'referral_id', 'led_to_s47', 'referral_date') }}
from referred_in_window where measure_id = 'referrals_to_s47' and not is_nfa
union all
select {{ measure_record('caf_step_down', 'referral', 'referral_id', 'true', 'caf_start_date',
                         start_date='closure_date') }}
from stepped_down
