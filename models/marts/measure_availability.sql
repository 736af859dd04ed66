-- Which figures each LA's source gives, per measure: every measure from RAISE/CAF
-- extracts; from a Standard Safeguarding Dataset landing, what the catalogue's ssd_support
-- says (docs/sources.md). The report shows not_available_reason where a figure would be.
select
    la_code,
    measure_id,
    source_system,
    has_figures,
    has_breakdowns,
    not_available_reason
from {{ ref('int_measure_availability') }}
