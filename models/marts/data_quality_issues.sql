-- The data-quality worklist: one row per record-level problem (docs/loading.md) of a record,
-- from the first extract that held it to the extract that no longer did. A problem is open
-- while the latest extract still holds it; otherwise it was fixed on the first extract
-- without it (the record corrected, or deleted). A problem that comes back after a fix is
-- a new row. Values of direct-identifier columns are withheld. A child appears only as the
-- pseudonymous child_key: the id of a record whose key holds a child id (persons,
-- care_leaver_contacts, caf_children) and the value of a child-id column are withheld;
-- the ids in clear go to the worklist beside the work database (csc/fixes.py).
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
            partition by
                problems.la_code, problems.source_table, problems.record_key,
                problems.column_name, problems.rule
            order by problems.extract_date
        ) as run_id
    from problems
    inner join extracts on extracts.extract_date = problems.extract_date
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
        on runs.la_code = numbered.la_code
        and runs.source_table = numbered.source_table
        and runs.record_key = numbered.record_key
        and runs.column_key = coalesce(numbered.column_name, '')
        and runs.rule = numbered.rule
        and runs.run_id = numbered.run_id
        and runs.last_seen_extract = numbered.extract_date
),

workers as (
    select * from {{ ref('dim_workers') }}
),

teams as (
    select * from {{ ref('dim_teams') }}
),

responsible as (
    select
        latest.*,
        coalesce(latest.team_id, workers.team_id) as responsible_team_id
    from latest
    left join workers
        on
        workers.la_code = latest.la_code
        and workers.worker_id = latest.worker_id
)

select
    responsible.la_code,
    responsible.source_table,
    case
        -- tables whose key holds a child id (tests/test_data_quality_privacy.py checks
        -- this list against csc/contract.yml)
        when responsible.source_table in ('persons', 'care_leaver_contacts', 'caf_children')
            then 'withheld (child id)'
        else responsible.record_id
    end as record_id,
    case
        when responsible.person_id is not null
            then {{ pseudonymous_id('responsible.la_code', 'responsible.person_id') }}
        -- a problem listed before meta.record_problems kept person_id: the key's person id
        when responsible.source_table in ('persons', 'care_leaver_contacts')
            then {{ pseudonymous_id('responsible.la_code',
                                    "split_part(responsible.record_id, '|', 1)") }}
    end as child_key,
    responsible.column_name,
    responsible.rule,
    case
        when responsible.value is null then null
        when responsible.personal then 'withheld (personal data)'
        when responsible.column_name in ('person_id', 'caf_child_id', 'raise_person_id')
            then 'withheld (child id)'
        else responsible.value
    end as value,
    responsible.first_seen_extract,
    responsible.last_seen_extract,
    case when next_extract.extract_date is null then 'open' else 'fixed' end as status,
    next_extract.extract_date as fixed_on_extract,
    {{ la_scoped_key('responsible.la_code', 'responsible.responsible_team_id') }} as team_key,
    responsible.responsible_team_id as team_id,
    teams.team_name,
    {{ la_scoped_key('responsible.la_code', 'responsible.worker_id') }} as worker_key,
    responsible.worker_id,
    responsible.source_file,
    responsible.row_number
from responsible
left join extracts as next_extract
    on next_extract.extract_number = responsible.last_seen_number + 1
left join teams
    on
    teams.la_code = responsible.la_code
    and teams.team_id = responsible.responsible_team_id
