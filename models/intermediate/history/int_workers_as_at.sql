-- workers as they stood on each extract date a period is computed on (one row per
-- record per as_at). Materialized: every measure on workers reads it.
{{ versions_as_at(ref('int_source__workers')) }}
