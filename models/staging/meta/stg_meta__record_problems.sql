-- Record-level problems the loader found in each loaded drop (docs/loading.md): one row
-- per extract x record x column x rule. Every drop lists what it holds, so a problem still
-- in the latest drop is still open.
with source as (
    select * from {{ source('meta', 'record_problems') }}
),

renamed as (
    select
        cast(extract_date as date) as extract_date,
        la_code,
        table_name as source_table,
        record_key,
        record_id,
        column_name,
        rule,
        value,
        personal,
        person_id,
        team_id,
        worker_id,
        source_file,
        row_number
    from source
)

select * from renamed
