-- The measure catalogue (seeds/process_model_measures.csv) and the models that compute the
-- measures agree (docs/measures.md, "Adding a measure"). One row per disagreement:
--   * a catalogue measure missing a headline row for some LA x period x extract it is
--     computed on (e.g. a records_model left empty for a measure nothing else computes),
--     unless the LA's source cannot give it (int_measure_availability: an SSD landing)
--   * a measure id a records model emits that the catalogue does not give to that model
--     (a misspelt id, or a catalogue row naming another model)
--   * a records_model the catalogue names that is not one of the stacked records models
--     (macro measure_records_models), or an int_measure_records__* model that is not stacked
{% set stacked = measure_records_models() %}
{% set unstacked = [] %}
{% if execute %}
    {% for node in graph.nodes.values() %}
        {% if node.resource_type == 'model' and node.name.startswith('int_measure_records__')
              and node.name not in stacked %}
            {% do unstacked.append(node.name) %}
        {% endif %}
    {% endfor %}
{% endif %}
with catalogue as (
    select measure_id, records_model from {{ ref('process_model_measures') }}
),

-- every LA x period x extract with figures: each catalogue measure needs a headline row in
-- each (read from the results themselves, so that the test's parents are the measure models
-- only and it runs when they are built, not when a star-schema model's ancestors are)
cells as (
    select distinct la_code, reporting_period, as_at from {{ ref('int_measure_results') }}
),

headline as (
    select la_code, measure_id, reporting_period, as_at
    from {{ ref('int_measure_results') }}
    where breakdown_by is null
),

emitted as (
    {% for records_model in stacked %}
    select distinct measure_id, '{{ records_model }}' as records_model
    from {{ ref(records_model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

problems as (
    select distinct
        catalogue.measure_id,
        'no headline row for some LA, period and extract' as problem
    from catalogue
    cross join cells
    -- a measure the availability model does not know (e.g. added to the catalogue after
    -- the build) is expected everywhere: only a known 'no' excuses a missing headline
    left join {{ ref('int_measure_availability') }} as availability
        on availability.measure_id = catalogue.measure_id
        and availability.la_code = cells.la_code
    left join headline
        on headline.measure_id = catalogue.measure_id
        and headline.reporting_period = cells.reporting_period
        and headline.as_at = cells.as_at
        and headline.la_code = cells.la_code
    where headline.measure_id is null and coalesce(availability.has_figures, true)

    union all

    select
        emitted.measure_id,
        'emitted by a records model the catalogue does not name for it' as problem
    from emitted
    left join catalogue
        on catalogue.measure_id = emitted.measure_id
        and catalogue.records_model = emitted.records_model
    where catalogue.measure_id is null

    union all

    select
        catalogue.measure_id,
        'records_model is not a stacked records model' as problem
    from catalogue
    where catalogue.records_model is not null
      and catalogue.records_model not in ('{{ stacked | join("', '") }}')
    {% for model_name in unstacked %}

    union all

    select
        cast('{{ model_name }}' as {{ dbt.type_string() }}) as measure_id,
        'model not in measure_records_models(), so not stacked' as problem
    {% endfor %}
)

select * from problems
