with source as (
    select * from {{ source('meta', 'loaded_drops') }}
),

renamed as (
    select
        cast(extract_date as date) as extract_date,
        load_id,
        loaded_at
    from source
)

select * from renamed
