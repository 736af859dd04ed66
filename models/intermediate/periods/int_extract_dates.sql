-- The extract dates this build computes some reporting period on (int_computations_to_run):
-- the dates on which the *_as_at models rebuild the data as it then stood.
select distinct as_at from {{ ref('int_computations_to_run') }}
