-- Every local authority the raw history holds, so that a measure with nothing to count
-- still has a row (a zero) for that LA.
select distinct la_code from {{ ref('int_source__persons') }}
