-- One row per SSDA903 episode of care in the latest extract. Every episode whose reason
-- for new episode (RNE) is not L starts a new placement (L is a change of legal status
-- only); RNE S starts a new period of care (measures.md).
with episodes as (
    {{ latest_versions('stg_raise__cla_episodes') }}
)

select
    -- keys
    {{ la_scoped_key('la_code', 'episode_id') }} as episode_key,
    la_code,
    episode_id,
    {{ pseudonymous_id('la_code', 'person_id') }} as child_key,
    -- dates
    start_date,
    end_date,
    -- SSDA903 codes
    reason_new_episode,
    legal_status,
    placement_type,
    placement_provider,
    reason_ceased,
    reason_place_change,
    -- flags
    reason_new_episode <> 'L' as is_placement_change,
    reason_new_episode = 'S' as starts_period_of_care
from episodes
