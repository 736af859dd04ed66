-- The extract dates some reporting period is computed on (int_period_computations): the
-- dates on which the *_as_at models rebuild the data as it then stood.
select distinct as_at from {{ ref('int_period_computations') }}
