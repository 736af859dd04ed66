-- The measure catalogue (seeds/process_model_measures.csv), published beside the figures.
select
    measure_id,
    section,
    display_order,
    title,
    unit,
    period_kind,
    polarity,
    tolerance,
    definition,
    team_source,
    ssd_support
from {{ ref('process_model_measures') }}
