-- allocations as they stood on each extract date a period is computed on (one row per
-- record per as_at). Materialized: every measure crediting a team through the allocation
-- in force reads it (through int_child_allocations).
{{ versions_as_at(ref('int_source__allocations')) }}
