-- One row per local authority: the 152 English authorities of 2014 with their region, and
-- any other LA code that has measure values (named NULL, region 'Not in the 2014 list'), so
-- every la_code in the marts joins here.
with listed as (
    select la_code, la_name, region_code, region_name
    from {{ ref('english_local_authorities') }}
),

unlisted as (
    select distinct la_code
    from {{ ref('measure_values') }}
    where la_code not in (select listed.la_code from listed)
)

select la_code, la_name, region_code, region_name, true as is_listed
from listed
union all
select
    la_code,
    cast(null as {{ dbt.type_string() }}) as la_name,
    cast(null as {{ dbt.type_string() }}) as region_code,
    'Not in the 2014 list' as region_name,
    false as is_listed
from unlisted
