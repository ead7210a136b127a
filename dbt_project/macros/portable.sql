{#- SQL that is written differently on other engines, kept behind macros so that the models
    build on DuckDB and on a distributed engine alike (docs/scaling.md). Each macro dispatches on
    the adapter: `default__` is the DuckDB form the project runs on today, `spark__` the form for
    Spark (dbt-spark; `make spark` builds the sample city there and compares every mart with
    DuckDB's), `trino__` a form for Trino (dbt-trino) where one was written, not yet built. dbt's
    own cross-database macros (dbt.datediff, dbt.hash, dbt.any_value, …) cover the rest. -#}

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

{#- Spark has no lateral join over a generator in this form: a lateral view, the object read
    as a map of text (a number stays its JSON text, JSON null is NULL, as json_extract_string). -#}
{% macro spark__json_entries_from(json_column, alias) -%}
    lateral view explode(from_json({{ json_column }}, 'map<string, string>')) {{ alias }} as key, value
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

{% macro spark__json_entry_text(alias) -%}
    {{ alias }}.value
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
    cross join unnest(
        case when {{ first_month }} <= {{ last_month }}
        then sequence({{ first_month }}, {{ last_month }}, interval '1' month) end
    ) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__month_series_from(first_month, last_month, alias, column) -%}
    {#- Spark's sequence fails when it would run backwards; DuckDB's series is then empty. -#}
    lateral view explode(
        case when {{ first_month }} <= {{ last_month }}
        then sequence({{ first_month }}, {{ last_month }}, interval 1 month) end
    ) {{ alias }} as {{ column }}
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

{% macro spark__value_at_min(value, by) -%}
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

{% macro spark__value_at_max(value, by) -%}
    max_by({{ value }}, {{ by }})
{%- endmacro %}

{#- a / b as a fraction, NULL when b is 0. DuckDB's and Spark's `/` on integers give a fraction,
    Trino's integer division truncates (3 / 4 = 0): the cast keeps shares right on every engine. -#}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#- True when the whole of `text` matches the regular expression `pattern` (not a part of it). -#}
{% macro matches_fully(text, pattern) -%}
    {{ return(adapter.dispatch('matches_fully', 'hansyn')(text, pattern)) }}
{%- endmacro %}

{% macro default__matches_fully(text, pattern) -%}
    regexp_full_match({{ text }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_fully(text, pattern) -%}
    ({{ text }} rlike '^(?:{{ pattern }})$')
{%- endmacro %}

{#- Every match of `pattern` in `text` replaced; `replacement` names groups as \1, \2. -#}
{% macro replace_all(text, pattern, replacement) -%}
    {{ return(adapter.dispatch('replace_all', 'hansyn')(text, pattern, replacement)) }}
{%- endmacro %}

{% macro default__replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement }}', 'g')
{%- endmacro %}

{#- Java's regular expressions name a group $1, and replace every match anyway. -#}
{% macro spark__replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, '{{ pattern }}', '{{ replacement | replace("\\", "$") }}')
{%- endmacro %}

{#- The texts of a group joined by `separator`, in the order of `order_by`. -#}
{% macro ordered_text_agg(value, separator, order_by) -%}
    {{ return(adapter.dispatch('ordered_text_agg', 'hansyn')(value, separator, order_by)) }}
{%- endmacro %}

{% macro default__ordered_text_agg(value, separator, order_by) -%}
    string_agg({{ value }}, '{{ separator }}' order by {{ order_by }})
{%- endmacro %}

{#- collect_list keeps no order: the pairs (order_by, value) are sorted, then the values kept. -#}
{% macro spark__ordered_text_agg(value, separator, order_by) -%}
    array_join(
        transform(
            array_sort(collect_list(named_struct('by', {{ order_by }}, 'value', {{ value }}))),
            entry -> entry.value
        ),
        '{{ separator }}'
    )
{%- endmacro %}

{#- Whether `item` is one of the items of `list_text`, a text of items separated by `separator`. -#}
{% macro text_list_contains(list_text, separator, item) -%}
    {{ return(adapter.dispatch('text_list_contains', 'hansyn')(list_text, separator, item)) }}
{%- endmacro %}

{% macro default__text_list_contains(list_text, separator, item) -%}
    list_contains(string_split({{ list_text }}, '{{ separator }}'), {{ item }})
{%- endmacro %}

{#- Spark's split takes a regular expression: the separator is quoted. -#}
{% macro spark__text_list_contains(list_text, separator, item) -%}
    array_contains(split({{ list_text }}, '\\Q{{ separator }}\\E'), {{ item }})
{%- endmacro %}

{#- Whole numbers past 64 bits (sums of squares kept exact). -#}
{% macro wide_integer_type() -%}
    {{ return(adapter.dispatch('wide_integer_type', 'hansyn')()) }}
{%- endmacro %}

{% macro default__wide_integer_type() -%}
    hugeint
{%- endmacro %}

{% macro spark__wide_integer_type() -%}
    decimal(38, 0)
{%- endmacro %}
