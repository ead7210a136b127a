{#- Date arithmetic kept behind macros so that a move to another engine is a macro change: the
    `default__` forms are DuckDB's, `trino__` Trino's, `spark__` Spark's (see macros/portable.sql). -#}

{#- date + n calendar months, month ends clamped (2024-10-31 + 4 months = 2025-02-28). -#}
{% macro add_months(date_expr, months) -%}
    {{ return(adapter.dispatch('add_months', 'hansyn')(date_expr, months)) }}
{%- endmacro %}

{% macro default__add_months(date_expr, months) -%}
    cast({{ date_expr }} + to_months(cast({{ months }} as integer)) as date)
{%- endmacro %}

{% macro trino__add_months(date_expr, months) -%}
    date_add('month', cast({{ months }} as integer), cast({{ date_expr }} as date))
{%- endmacro %}

{#- Spark's add_months clamps month ends too. -#}
{% macro spark__add_months(date_expr, months) -%}
    add_months(cast({{ date_expr }} as date), cast({{ months }} as integer))
{%- endmacro %}

{#- date + n days. -#}
{% macro add_days(date_expr, days) -%}
    {{ return(adapter.dispatch('add_days', 'hansyn')(date_expr, days)) }}
{%- endmacro %}

{% macro default__add_days(date_expr, days) -%}
    cast({{ date_expr }} + to_days(cast({{ days }} as integer)) as date)
{%- endmacro %}

{% macro trino__add_days(date_expr, days) -%}
    date_add('day', cast({{ days }} as integer), cast({{ date_expr }} as date))
{%- endmacro %}

{% macro spark__add_days(date_expr, days) -%}
    date_add(cast({{ date_expr }} as date), cast({{ days }} as integer))
{%- endmacro %}
