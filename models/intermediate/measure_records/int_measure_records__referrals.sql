-- Records behind the referral measures: referrals_nfa, contacts_to_assessment (referrals
-- with an initial or single assessment started), re_referrals_12m, referrals_to_s47 (of the
-- referrals not NFA) and caf_step_down (referrals closed RC9 with a CAF of the linked child
-- starting on the closure date or within 30 days after it). Team and worker: the referral's
-- own (catalogue team_source = 'record'); a referral that carries neither (one closed at the
-- front door, NFA, never allocated) is credited to the contact it came from, whose team and
-- worker made the decision.
with histories as (
    {{ records_in_scope(ref('int_referral_histories')) }}
),

contacts as (
    select as_at, la_code, contact_id, team_id, worker_id
    from {{ ref('int_contacts_as_at') }}
),

referrals as (
    select
        histories.*,
        case
            when histories.team_id is null and histories.worker_id is null
                then contacts.team_id
            else histories.team_id
        end as credited_team_id,
        case
            when histories.team_id is null and histories.worker_id is null
                then contacts.worker_id
            else histories.worker_id
        end as credited_worker_id
    from histories
    left join contacts
        on contacts.as_at = histories.as_at
        and contacts.la_code = histories.la_code
        and contacts.contact_id = histories.contact_id
),

cafs as (
    {{ records_in_scope(ref('int_caf_assessments_linked')) }}
),

referred_in_window as (
    {{ records_in_window(['referrals_nfa', 'contacts_to_assessment', 're_referrals_12m',
                          'referrals_to_s47'], 'referrals', date_column='referral_date') }}
),

closed_rc9_in_window as (
    {{ records_in_window('caf_step_down', 'referrals', date_column='closure_date',
                         where="records.closure_reason = 'RC9'") }}
),

stepped_down as (
    select
        closed.reporting_period,
        closed.as_at,
        closed.la_code,
        closed.referral_id,
        closed.person_id,
        closed.credited_team_id,
        closed.credited_worker_id,
        closed.closure_date,
        min(cafs.start_date) as caf_start_date
    from closed_rc9_in_window as closed
    inner join cafs
        on cafs.as_at = closed.as_at
        and cafs.la_code = closed.la_code
        and cafs.person_id = closed.person_id
        and (
            cafs.start_date
            between closed.closure_date and {{ add_days('closed.closure_date', 30) }}
        )
    group by
        closed.reporting_period, closed.as_at, closed.la_code, closed.referral_id,
        closed.person_id, closed.credited_team_id, closed.credited_worker_id,
        closed.closure_date
)

select {{ measure_record('referrals_nfa', 'referral', 'referral_id', 'is_nfa', 'referral_date',
                         team_id='credited_team_id', worker_id='credited_worker_id') }}
from referred_in_window where measure_id = 'referrals_nfa'
union all
select {{ measure_record('contacts_to_assessment', 'referral', 'referral_id', 'true',
                         'referral_date', team_id='credited_team_id',
                         worker_id='credited_worker_id') }}
from referred_in_window where measure_id = 'contacts_to_assessment' and has_assessment_started
union all
select {{ measure_record('re_referrals_12m', 'referral', 'referral_id', 'is_re_referral',
                         'referral_date', start_date='previous_referral_date',
                         team_id='credited_team_id', worker_id='credited_worker_id') }}
from referred_in_window where measure_id = 're_referrals_12m'
union all
select {{ measure_record('referrals_to_s47', 'referral', 'referral_id', 'led_to_s47',
                         'referral_date', team_id='credited_team_id',
                         worker_id='credited_worker_id') }}
from referred_in_window where measure_id = 'referrals_to_s47' and not is_nfa
union all
select {{ measure_record('caf_step_down', 'referral', 'referral_id', 'true', 'caf_start_date',
                         start_date='closure_date', team_id='credited_team_id',
                         worker_id='credited_worker_id') }}
from stepped_down
