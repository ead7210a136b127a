{#- Date arithmetic kept behind macros so that a move to another engine is a macro change. -#}

{#- date + n calendar months, month ends clamped (2024-10-31 + 4 months = 2025-02-28). -#}
{% macro add_months(date_expr, months) -%}
    cast({{ date_expr }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{#- date + n days. -#}
{% macro add_days(date_expr, days) -%}
    cast({{ date_expr }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}
