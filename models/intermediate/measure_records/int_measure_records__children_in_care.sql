-- Records behind the children-in-care measures (SSDA903 episodes stitched in
-- int_cla_episodes_sequenced):
--   cic_at_period_end              children with an episode open on the period end
--   cic_placement_stability_moves  those children; 3 or more placements in the window: the
--                                  placement open at the end of the day before the window
--                                  counts as one, and so does every episode starting in the
--                                  window with RNE S, P, B, T or U (not L)
--   cic_placement_stability_length those children aged under 16 on the period end whose
--                                  current period of care began at least 2.5 years before it;
--                                  current placement began at least 2 years before, or placed
--                                  for adoption (PLACE A3..A6)
--   permanence_*                   episodes ending in the window by one of the four
--                                  permanence routes; by this route
--   cla_review_participation       reviews held in the window; participation PN1..PN7
-- Team and worker: none on these records; int_measure_records credits the child's
-- allocation on the record's date (catalogue team_source = 'allocation').
{% set routes = {
    'permanence_adoption': ['E11', 'E12'],
    'permanence_residence_order': ['E41'],
    'permanence_special_guardianship': ['E43', 'E44', 'E45', 'E46', 'E47', 'E48'],
    'permanence_returned_home': ['E13', 'E4A', 'E4B'],
} %}
{% set all_routes = routes.values() | sum(start=[]) %}
with episodes as (
    {{ records_in_scope(ref('int_cla_episodes_sequenced')) }}
),

persons as (
    {{ records_in_scope(ref('int_persons_as_at')) }}
),

reviews as (
    {{ records_in_scope(ref('int_cla_reviews_as_at')) }}
),

in_care_at_end as (
    {{ records_in_window(['cic_at_period_end', 'cic_placement_stability_moves',
                          'cic_placement_stability_length'], 'episodes',
                         open_on_window_end=('start_date', 'end_date')) }}
),

-- each child's latest open episode
children_in_care as (
    {{ first_per_child('in_care_at_end', 'start_date desc, episode_id desc') }}
),

placements_in_window as (
    select
        children_in_care.reporting_period,
        children_in_care.as_at,
        children_in_care.la_code,
        children_in_care.person_id,
        max(
            case
                when {{ is_open_on('episodes.start_date', 'episodes.end_date',
                                   add_days('children_in_care.window_start', -1)) }}
                    then 1
                else 0
            end
        )
        + sum(
            case
                when episodes.starts_placement
                    and episodes.start_date
                    between children_in_care.window_start and children_in_care.window_end
                    then 1
                else 0
            end
        ) as placements
    from children_in_care
    inner join episodes
        on episodes.as_at = children_in_care.as_at
        and episodes.la_code = children_in_care.la_code
        and episodes.person_id = children_in_care.person_id
        and episodes.start_date <= children_in_care.window_end
    where children_in_care.measure_id = 'cic_placement_stability_moves'
    group by
        children_in_care.reporting_period, children_in_care.as_at, children_in_care.la_code,
        children_in_care.person_id
),

stability_moves as (
    select children_in_care.*, placements_in_window.placements
    from children_in_care
    inner join placements_in_window
        on placements_in_window.reporting_period = children_in_care.reporting_period
        and placements_in_window.as_at = children_in_care.as_at
        and placements_in_window.la_code = children_in_care.la_code
        and placements_in_window.person_id = children_in_care.person_id
    where children_in_care.measure_id = 'cic_placement_stability_moves'
),

stability_length as (
    select children_in_care.*
    from children_in_care
    inner join persons
        on persons.as_at = children_in_care.as_at
        and persons.la_code = children_in_care.la_code
        and persons.person_id = children_in_care.person_id
    where children_in_care.measure_id = 'cic_placement_stability_length'
        and persons.date_of_birth > {{ add_years('children_in_care.window_end', -16) }}
        and (
            children_in_care.period_of_care_start_date
            <= {{ add_months('children_in_care.window_end', -30) }}
        )
),

ceased as (
    {{ records_in_window(routes.keys() | list, 'episodes', date_column='end_date',
                         where="records.reason_ceased in ('" ~ all_routes | join("', '") ~ "')") }}
),

reviewed as (
    {{ records_in_window('cla_review_participation', 'reviews', date_column='review_date') }}
),

records as (
    select {{ measure_record('cic_at_period_end', 'cla_episode', 'episode_id', 'true', 'window_end',
                             start_date='period_of_care_start_date', team_id='null', worker_id='null') }}
    from children_in_care where measure_id = 'cic_at_period_end'
    union all
    select {{ measure_record('cic_placement_stability_moves', 'cla_episode', 'episode_id',
                             'placements >= 3', 'window_end', start_date='placement_start_date',
                             team_id='null', worker_id='null') }}
    from stability_moves
    union all
    select {{ measure_record('cic_placement_stability_length', 'cla_episode', 'episode_id',
                             "placement_start_date <= " ~ add_months('window_end', -24)
                             ~ " or placement_type in ('A3', 'A4', 'A5', 'A6')",
                             'window_end', start_date='placement_start_date',
                             team_id='null', worker_id='null') }}
    from stability_length
    {% for measure_id, codes in routes.items() %}
    union all
    select {{ measure_record(measure_id, 'cla_episode', 'episode_id',
                             "reason_ceased in ('" ~ codes | join("', '") ~ "')", 'end_date',
                             start_date='start_date', team_id='null', worker_id='null') }}
    from ceased where measure_id = '{{ measure_id }}'
    {% endfor %}
    union all
    select {{ measure_record('cla_review_participation', 'cla_review', 'review_id',
                             "participation_code in ('PN1', 'PN2', 'PN3', 'PN4', 'PN5', 'PN6', 'PN7')",
                             'review_date', team_id='null', worker_id='null') }}
    from reviewed
)

select * from records
