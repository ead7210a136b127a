{#- The small-number rule of the spec: a count of persons from 1 to 4, and any sum, mean or share
    computed over 1 to 4 persons, is published as NULL; 0 stays 0. `persons` is the number of
    distinct persons the value is computed over, or a list of such numbers when the value
    depends on several groups of persons (NULL when any of them is 1–4). -#}
{% macro suppress_if_few(value, persons) -%}
    {%- set groups = [persons] if persons is string else persons -%}
    case when {% for group in groups %}{{ group }} between 1 and 4{% if not loop.last %} or {% endif %}{% endfor %} then null else {{ value }} end
{%- endmacro %}
