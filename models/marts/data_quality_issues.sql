-- The data-quality worklist: one row per record-level problem (docs/loading.md) of a record,
-- from the first extract that held it to the extract that no longer did. A problem is open
-- while the latest extract still holds it; otherwise it was fixed on the first extract
-- without it (the record corrected, or deleted). A problem that comes back after a fix is
-- a new row. Values of direct-identifier columns are withheld.
with problems as (
    select * from {{ ref('stg_meta__record_problems') }}
),

extracts as (
    select
        extract_date,
        row_number() over (order by extract_date) as extract_number
    from {{ ref('stg_meta__extracts') }}
),

numbered as (
    select
        problems.*,
        extracts.extract_number,
        extracts.extract_number - row_number() over (
            partition by problems.la_code, problems.source_table, problems.record_key,
                problems.column_name, problems.rule
            order by problems.extract_date
        ) as run_id
    from problems
    inner join extracts on problems.extract_date = extracts.extract_date
),

runs as (
    select
        la_code,
        source_table,
        record_key,
        coalesce(column_name, '') as column_key,
        rule,
        run_id,
        min(extract_date) as first_seen_extract,
        max(extract_date) as last_seen_extract,
        max(extract_number) as last_seen_number
    from numbered
    group by la_code, source_table, record_key, coalesce(column_name, ''), rule, run_id
),

latest as (
    -- the record as the last extract holding the problem listed it
    select
        numbered.*,
        runs.first_seen_extract,
        runs.last_seen_extract,
        runs.last_seen_number
    from numbered
    inner join runs
        on numbered.la_code = runs.la_code
        and numbered.source_table = runs.source_table
        and numbered.record_key = runs.record_key
        and coalesce(numbered.column_name, '') = runs.column_key
        and numbered.rule = runs.rule
        and numbered.run_id = runs.run_id
        and numbered.extract_date = runs.last_seen_extract
),

workers as (
    select * from {{ ref('dim_workers') }}
)

select
    latest.la_code,
    latest.source_table,
    latest.record_id,
    latest.column_name,
    latest.rule,
    case
        when latest.value is null then null
        when latest.personal then 'withheld (personal data)'
        else latest.value
    end as value,
    latest.first_seen_extract,
    latest.last_seen_extract,
    case when next_extract.extract_date is null then 'open' else 'fixed' end as status,
    next_extract.extract_date as fixed_on_extract,
    {{ la_scoped_key('latest.la_code', 'coalesce(latest.team_id, workers.team_id)') }} as team_key,
    coalesce(latest.team_id, workers.team_id) as team_id,
    teams.team_name,
    {{ la_scoped_key('latest.la_code', 'latest.worker_id') }} as worker_key,
    latest.worker_id,
    latest.source_file,
    latest.row_number
from latest
left join extracts as next_extract
    on latest.last_seen_number + 1 = next_extract.extract_number
left join workers
    on latest.la_code = workers.la_code
    and latest.worker_id = workers.worker_id
left join {{ ref('dim_teams') }} as teams
    on teams.team_key = {{ la_scoped_key('latest.la_code', 'coalesce(latest.team_id, workers.team_id)') }}
