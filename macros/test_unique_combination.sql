{#- Generic test: no two rows share the same combination of `columns` (NULLs compare
    equal). dbt ships no such test and packages cannot be installed offline. -#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as n
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
