{#- SQL that is written differently on other engines, kept behind macros so that moving the
    project from DuckDB to a distributed engine is a profile change (docs/scaling.md). Each
    macro dispatches on the adapter: `default__` is the DuckDB form the project runs on today,
    `trino__` the form for Trino (dbt-trino, Iceberg tables), the engine docs/scaling.md names for
    the move. dbt's own cross-database macros (dbt.datediff, dbt.hash, dbt.any_value, …) cover
    the rest. -#}

{#- A JSON object column unpacked to one row per key, as a lateral join named `alias`; read the
    key with json_entry_key(alias) and the value as text (JSON null → NULL) with
    json_entry_text(alias). -#}
{% macro json_entries_from(json_column, alias) -%}
    {{ return(adapter.dispatch('json_entries_from', 'hansyn')(json_column, alias)) }}
{%- endmacro %}

{% macro default__json_entries_from(json_column, alias) -%}
    cross join lateral json_each({{ json_column }}) as {{ alias }}
{%- endmacro %}

{% macro trino__json_entries_from(json_column, alias) -%}
    cross join unnest(cast(json_parse({{ json_column }}) as map(varchar, json))) as {{ alias }} (key, value)
{%- endmacro %}

{% macro json_entry_key(alias) -%}
    {{ alias }}.key
{%- endmacro %}

{% macro json_entry_text(alias) -%}
    {{ return(adapter.dispatch('json_entry_text', 'hansyn')(alias)) }}
{%- endmacro %}

{% macro default__json_entry_text(alias) -%}
    json_extract_string({{ alias }}.value, '$')
{%- endmacro %}

{% macro trino__json_entry_text(alias) -%}
    json_extract_scalar({{ alias }}.value, '$')
{%- endmacro %}

{#- Every first of the month from first_month to last_month (both firsts of a month), as a
    lateral join `alias` with one column `column`, a date. -#}
{% macro month_series_from(first_month, last_month, alias, column) -%}
    {{ return(adapter.dispatch('month_series_from', 'hansyn')(first_month, last_month, alias, column)) }}
{%- endmacro %}

{% macro default__month_series_from(first_month, last_month, alias, column) -%}
    cross join lateral (
        select cast(unnest(generate_series({{ first_month }}, {{ last_month }}, interval 1 month)) as date) as {{ column }}
    ) as {{ alias }}
{%- endmacro %}

{% macro trino__month_series_from(first_month, last_month, alias, column) -%}
    cross join unnest(sequence({{ first_month }}, {{ last_month }}, interval '1' month)) as {{ alias }} ({{ column }})
{%- endmacro %}

{#- The value of `value` on the row where `by` is smallest / largest (DuckDB arg_min/arg_max,
    Trino and Spark min_by/max_by). -#}
{% macro value_at_min(value, by) -%}
    {{ return(adapter.dispatch('value_at_min', 'hansyn')(value, by)) }}
{%- endmacro %}

{% macro default__value_at_min(value, by) -%}
    arg_min({{ value }}, {{ by }})
{%- endmacro %}

{% macro trino__value_at_min(value, by) -%}
    min_by({{ value }}, {{ by }})
{%- endmacro %}

{% macro value_at_max(value, by) -%}
    {{ return(adapter.dispatch('value_at_max', 'hansyn')(value, by)) }}
{%- endmacro %}

{% macro default__value_at_max(value, by) -%}
    arg_max({{ value }}, {{ by }})
{%- endmacro %}

{% macro trino__value_at_max(value, by) -%}
    max_by({{ value }}, {{ by }})
{%- endmacro %}

{#- a / b as a fraction, NULL when b is 0. DuckDB's `/` on integers gives a fraction, Trino's and
    Spark's integer division truncates (3 / 4 = 0): the cast keeps shares right on every engine. -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}
