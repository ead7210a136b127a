{#- The small-number rule of the spec: a count of persons from 1 to 4, and any sum, mean or share
    computed over 1 to 4 persons, is published as NULL; 0 stays 0. `persons` is the number of
    distinct persons the value is computed over. -#}
{% macro suppress_if_few(value, persons) -%}
    case when {{ persons }} between 1 and 4 then null else {{ value }} end
{%- endmacro %}
