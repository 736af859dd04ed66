-- One row: the latest extract (as_at) and, when this build carries the previous latest
-- extract's child-level records to it (macros/kept_computations.sql), that extract
-- (carried_from); NULL when every record is computed: a full refresh, an engine that keeps
-- nothing, no records stored, no new extract, or a reporting period completed since the
-- previous latest extract (its figures are new for every child).
-- depends_on: {{ ref('int_reporting_periods') }}
{% set stored = stored_records() %}
with latest as (
    select max(extract_date) as as_at from {{ ref('stg_meta__extracts') }}
){% if stored is not none %},

previous as (
    select max(as_at) as as_at from {{ stored }}
)

select
    latest.as_at,
    case
        when previous.as_at < latest.as_at
            and not exists (
                select 1 from {{ ref('int_reporting_periods') }} as periods
                where periods.period_end >= previous.as_at
            )
            then previous.as_at
    end as carried_from
from latest
cross join previous
{% else %}

select
    latest.as_at,
    cast(null as date) as carried_from
from latest
{% endif %}
