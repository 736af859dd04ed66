-- The DfE validators' findings on the statutory returns (docs/returns.md): one row per
-- finding of a return for an LA, collection year and as-at extract. Empty in a warehouse
-- that never checked a return.
with source as (
    select * from {{ source('returns', 'validation_findings') }}
),

renamed as (
    select
        la_code,
        collection_year,
        cast(as_at as date) as as_at,
        validated_at,
        return_name,
        rule_code,
        rule_type,
        message,
        table_name,
        column_name,
        child_id,
        row_number
    from source
)

select * from renamed
