-- Which figures each LA's source can give, per measure (catalogue column ssd_support): a
-- RAISE/CAF landing publishes every measure; an SSD landing publishes a measure the
-- catalogue marks 'yes', the LA's figures only (no team or worker breakdown) of one
-- marked 'headline only: <reason>', and no figure of one marked 'no: <reason>'. The
-- reason is what the source lacks; the report shows it where the figure would be.
with la_sources as (
    select distinct la_code, source_system
    from {{ ref('int_source__persons') }}
),

catalogue as (
    select measure_id, ssd_support
    from {{ ref('process_model_measures') }}
)

select
    la_sources.la_code,
    catalogue.measure_id,
    la_sources.source_system,
    la_sources.source_system = 'raise' or catalogue.ssd_support not like 'no:%'
        as has_figures,
    la_sources.source_system = 'raise' or catalogue.ssd_support = 'yes' as has_breakdowns,
    case
        when la_sources.source_system = 'raise' then null
        when catalogue.ssd_support like 'no:%'
            then trim(substring(catalogue.ssd_support, {{ 'no:' | length + 1 }}))
        when catalogue.ssd_support like 'headline only:%'
            then trim(substring(catalogue.ssd_support, {{ 'headline only:' | length + 1 }}))
    end as not_available_reason
from la_sources
cross join catalogue
