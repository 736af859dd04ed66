-- One row per SSDA903 episode of care in the latest extract. Every episode whose reason
-- for new episode (RNE) is not L starts a new placement (L is a change of legal status
-- only); RNE S starts a new period of care (measures.md).
with episodes as (
    {{ latest_versions('int_source__cla_episodes') }}
)

select
    -- keys
    {{ la_scoped_key('episodes.la_code', 'episodes.episode_id') }} as episode_key,
    episodes.la_code,
    episodes.episode_id,
    {{ pseudonymous_id('episodes.la_code', 'episodes.person_id') }} as child_key,
    -- dates
    episodes.start_date,
    episodes.end_date,
    -- SSDA903 codes
    episodes.reason_new_episode,
    episodes.legal_status,
    episodes.placement_type,
    episodes.placement_provider,
    episodes.reason_ceased,
    episodes.reason_place_change,
    -- flags
    episodes.reason_new_episode <> 'L' as is_placement_change,
    episodes.reason_new_episode = 'S' as starts_period_of_care
from episodes
