-- The computations this build runs (int_period_computations less those kept from the last
-- build, macros/kept_computations.sql): every period on the latest extract, and the
-- as-reported computations not stored yet. On a full refresh, all of them. Every
-- *_as_at model, and so every measure, is built for these extract dates only.
{% set stored = stored_computations() %}
with computations as (
    select * from {{ ref('int_period_computations') }}
)

select computations.*
from computations
{% if stored is not none %}
where computations.is_latest
    or not exists (
        select 1 from {{ stored }} as stored
        where stored.reporting_period = computations.reporting_period
            and stored.as_at = computations.as_at
    )
{% endif %}
