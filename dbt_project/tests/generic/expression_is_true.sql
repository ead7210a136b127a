{#- Rows where a boolean SQL expression is false (dbt_utils.expression_is_true without the package:
    dbt hub packages cannot be downloaded here). -#}
{% test expression_is_true(model, expression, column_name=None) %}
select *
from {{ model }}
where not ({{ expression }})
{% endtest %}
