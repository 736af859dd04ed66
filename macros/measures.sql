{#- Building blocks shared by the process-model measures (docs/measures.md says how they fit). -#}

{#- `date_expr` moved by `n` months, as a date. Month arithmetic clamps to the month's last
    day (31 August + 6 months = 28/29 February), as the measures' Boundaries require. -#}
{% macro add_months(date_expr, n) -%}
    cast({{ dbt.dateadd('month', n, date_expr) }} as date)
{%- endmacro %}

{#- `date_expr` moved by `n` years, as a date (29 February + 1 year = 28 February). -#}
{% macro add_years(date_expr, n) -%}
    cast({{ dbt.dateadd('year', n, date_expr) }} as date)
{%- endmacro %}

{% macro add_days(date_expr, n) -%}
    cast({{ dbt.dateadd('day', n, date_expr) }} as date)
{%- endmacro %}

{#- True when a record running from `start_col` to `end_col` (NULL: still open) is open on
    `on_date`: started on or before it and not ended, or ended after it. -#}
{% macro is_open_on(start_col, end_col, on_date) -%}
    ({{ start_col }} <= {{ on_date }} and ({{ end_col }} is null or {{ end_col }} > {{ on_date }}))
{%- endmacro %}

{#- Every version of `relation` in force on each extract date a period is computed on, with
    that extract date as `as_at`: the data as it stood on that day. -#}
{% macro versions_as_at(relation) %}
with extracts as (
    select as_at from {{ ref('int_extract_dates') }}
),

versions as (
    select * from {{ relation }}
)

select
    extracts.as_at,
    versions.*
from extracts
inner join versions on {{ in_force_at('versions', 'extracts.as_at') }}
{% endmacro %}

{#- Counts of every measure the catalogue computes from child-level records (a
    `records_model` in seeds/process_model_measures.csv), from `records` (int_measure_records,
    the records models stacked): a headline row for every LA x measure x period x extract,
    zero when nothing was counted, plus one row per team and per worker that has records,
    and for measures broken down by initiating agency one row per agency in `agencies`
    (int_measure_agencies: the agencies the LA's extract records for the measure as it stood
    on that extract date; zeros included). The numerator is the records flagged
    in_numerator; percent measures also get the denominator (all records), count and rate
    measures a NULL denominator. -#}
{% macro measure_counts(records, agencies) %}
with grid as (
    select
        local_authorities.la_code,
        measure_grid.measure_id,
        measure_grid.reporting_period,
        measure_grid.as_at
    from {{ ref('int_measure_grid') }} as measure_grid
    inner join {{ ref('process_model_measures') }} as counted_from_records
        on counted_from_records.measure_id = measure_grid.measure_id
        and counted_from_records.records_model is not null
    cross join {{ ref('int_local_authorities') }} as local_authorities
),

catalogue as (
    select measure_id, unit from {{ ref('process_model_measures') }}
),

records as (
    select * from {{ records }}
),

headline as (
    select
        grid.la_code,
        grid.measure_id,
        grid.reporting_period,
        grid.as_at,
        cast(null as {{ dbt.type_string() }}) as breakdown_by,
        cast(null as {{ dbt.type_string() }}) as breakdown_value,
        sum(case when records.in_numerator then 1 else 0 end) as numerator,
        count(records.record_id) as denominator
    from grid
    left join records
        on records.la_code = grid.la_code
        and records.measure_id = grid.measure_id
        and records.reporting_period = grid.reporting_period
        and records.as_at = grid.as_at
    group by grid.la_code, grid.measure_id, grid.reporting_period, grid.as_at
),

{% set breakdowns = [('team', 'team_id'), ('worker', 'worker_id')] %}
broken_down as (
    {% for breakdown_by, column in breakdowns %}
    select
        la_code,
        measure_id,
        reporting_period,
        as_at,
        '{{ breakdown_by }}' as breakdown_by,
        coalesce({{ column }}, 'unallocated') as breakdown_value,
        sum(case when in_numerator then 1 else 0 end) as numerator,
        count(record_id) as denominator
    from records
    where has_team_breakdown
    group by la_code, measure_id, reporting_period, as_at, coalesce({{ column }}, 'unallocated')
    union all
    {% endfor %}
    -- agencies: every agency the extract records for the measure, in every period (zeros
    -- included), as the report lists them
    select
        grid.la_code,
        grid.measure_id,
        grid.reporting_period,
        grid.as_at,
        'initiating_agency' as breakdown_by,
        agencies.agency as breakdown_value,
        sum(case when records.in_numerator then 1 else 0 end) as numerator,
        count(records.record_id) as denominator
    from grid
    inner join {{ agencies }} as agencies
        on agencies.la_code = grid.la_code
        and agencies.measure_id = grid.measure_id
        and agencies.as_at = grid.as_at
    left join records
        on records.la_code = grid.la_code
        and records.measure_id = grid.measure_id
        and records.reporting_period = grid.reporting_period
        and records.as_at = grid.as_at
        and coalesce(records.initiating_agency, 'unallocated') = agencies.agency
    group by grid.la_code, grid.measure_id, grid.reporting_period, grid.as_at, agencies.agency
),

counted as (
    select * from headline
    union all
    select * from broken_down
)

select
    counted.la_code,
    counted.measure_id,
    counted.reporting_period,
    counted.as_at,
    counted.breakdown_by,
    counted.breakdown_value,
    cast(coalesce(counted.numerator, 0) as bigint) as numerator,
    cast(case when catalogue.unit = 'percent' then counted.denominator end as bigint) as denominator
from counted
inner join catalogue on catalogue.measure_id = counted.measure_id
{% endmacro %}

{#- The models that compute measures from child-level records, one per topic: each returns
    the measure_record columns for the measures whose catalogue row
    (seeds/process_model_measures.csv) names it as `records_model`. int_measure_records
    stacks them; the data test assert_measure_catalogue_matches_records checks that this
    list, the models in the project and the catalogue agree. A new topic's model is added
    here; a new measure of an existing topic needs no change here. -#}
{% macro measure_records_models() -%}
    {{ return([
        'int_measure_records__contacts',
        'int_measure_records__referrals',
        'int_measure_records__assessments',
        'int_measure_records__child_protection',
        'int_measure_records__children_in_care',
        'int_measure_records__children_in_need',
        'int_measure_records__care_leavers',
        'int_measure_records__caf',
        'int_measure_records__caseloads',
    ]) }}
{%- endmacro %}

{#- Join condition: the allocation `allocation` (int_child_allocations) of the child of
    `record_alias`, on the same extract, in force on `on_date`: started on or before it and
    not ended before it (an allocation holds the case up to and including its end date). -#}
{% macro allocation_in_force_on(record_alias, on_date, allocation='allocation') -%}
    ({{ allocation }}.as_at = {{ record_alias }}.as_at
     and {{ allocation }}.la_code = {{ record_alias }}.la_code
     and {{ allocation }}.person_id = {{ record_alias }}.person_id
     and {{ allocation }}.allocated_from <= {{ on_date }}
     and ({{ allocation }}.allocated_until is null or {{ allocation }}.allocated_until >= {{ on_date }}))
{%- endmacro %}

{#- The rows of `relation` (alias `records`, with as_at, la_code, person_id) with the
    allocation of the child in force on `on_date` (an expression over `records`):
    held_by_allocation_id, allocated_team_id and allocated_worker_id (NULL when none is in
    force, or, for the worker, when the team holds the case waiting for one). When two
    allocations are in force, the latest-started one (then the highest allocation_id) holds
    the case. `key`: the columns that identify a row of `relation`; `where`: a condition
    (over `records`) for the rows that look for an allocation at all (the others get NULLs). -#}
{% macro with_allocation_in_force(relation, on_date, key, where='true') %}
    select *
    from (
        select
            records.*,
            allocation.allocation_id as held_by_allocation_id,
            allocation.team_id as allocated_team_id,
            allocation.worker_id as allocated_worker_id,
            row_number() over (
                partition by {% for column in key %}records.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
                order by allocation.allocated_from desc, allocation.allocation_id desc
            ) as allocation_rank
        from {{ relation }} as records
        left join {{ ref('int_child_allocations') }} as allocation
            on ({{ where }})
            and {{ allocation_in_force_on('records', on_date) }}
    ) as ranked
    where allocation_rank = 1
{% endmacro %}

{#- The columns every int_measure_records__* model returns, in one order: one row per record
    counted for a measure x period x extract (the denominator of a percent measure, the
    counted records of a count measure), with the numerator flag. Arguments are SQL
    expressions over the model's own CTE; `record_type` is a literal, or, for a model whose
    records are of several types, `record_type_column` names the column that says which. -#}
{% macro measure_record(measure_id, record_type, record_id, in_numerator, event_date,
                        start_date='null', working_days='null', team_id='team_id',
                        worker_id='worker_id', initiating_agency='null',
                        has_team_breakdown=true, has_agency_breakdown=false,
                        record_type_column=none) -%}
    la_code,
    '{{ measure_id }}' as measure_id,
    reporting_period,
    as_at,
    {% if record_type_column is none -%}
    '{{ record_type }}' as record_type,
    {%- else -%}
    cast({{ record_type_column }} as {{ dbt.type_string() }}) as record_type,
    {%- endif %}
    cast({{ record_id }} as {{ dbt.type_string() }}) as record_id,
    person_id,
    cast({{ team_id }} as {{ dbt.type_string() }}) as team_id,
    cast({{ worker_id }} as {{ dbt.type_string() }}) as worker_id,
    cast({{ start_date }} as date) as start_date,
    cast({{ event_date }} as date) as event_date,
    cast({{ working_days }} as integer) as working_days,
    cast({{ initiating_agency }} as {{ dbt.type_string() }}) as initiating_agency,
    {{ 'true' if has_team_breakdown else 'false' }} as has_team_breakdown,
    {{ 'true' if has_agency_breakdown else 'false' }} as has_agency_breakdown,
    coalesce(cast({{ in_numerator }} as boolean), false) as in_numerator
{%- endmacro %}

{#- The records of `relation` (an int_* model with one row per record per `as_at`) that fall
    in the window of `measure_ids` on the extract each period is computed on: one row per
    record x measure x period x extract, carrying the grid's measure_id, reporting_period,
    window_start and window_end beside the record's own columns. A record is in the window
    when `date_column` lies between window_start and window_end, or, with
    `open_on_window_end=(start_column, end_column)`, when it is open on the window's last
    day (is_open_on: the snapshot measures). `where` adds a condition on the record (alias
    `records`), e.g. a record type. -#}
{% macro records_in_window(measure_ids, relation, date_column=none, open_on_window_end=none,
                           where=none) %}
    {%- if (date_column is none) == (open_on_window_end is none) -%}
        {{ exceptions.raise_compiler_error(
            "records_in_window: give either date_column or open_on_window_end") }}
    {%- endif %}
    {%- if measure_ids is string %}{% set measure_ids = [measure_ids] %}{% endif %}
    select
        grid.measure_id,
        grid.reporting_period,
        grid.window_start,
        grid.window_end,
        records.*
    from {{ ref('int_measure_grid') }} as grid
    inner join {{ relation }} as records
        on records.as_at = grid.as_at
        {%- if date_column is not none %}
        and records.{{ date_column }} between grid.window_start and grid.window_end
        {%- else %}
        and {{ is_open_on('records.' ~ open_on_window_end[0], 'records.' ~ open_on_window_end[1],
                          'grid.window_end') }}
        {%- endif %}
    where grid.measure_id in ('{{ measure_ids | join("', '") }}')
    {%- if where is not none %}
      and ({{ where }})
    {%- endif %}
{% endmacro %}

{#- One row per child for each measure x period x extract of `relation` (rows of
    records_in_window): the first by `order_by` (e.g. the latest open episode), for the
    snapshot measures that count children, not records. -#}
{% macro first_per_child(relation, order_by) %}
    select *
    from (
        select
            *,
            row_number() over (
                partition by measure_id, reporting_period, as_at, la_code, person_id
                order by {{ order_by }}
            ) as rank_for_child
        from {{ relation }}
    ) as ranked
    where rank_for_child = 1
{% endmacro %}
