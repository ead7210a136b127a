{#- What a person was paid in the before and the after window of one benefit, for the treated
    (int_benefit_windows_summed) and the controls (int_effect_controls_selected) alike, so both
    sides of the comparison are summed the same way. `windows` has person_id, benefit_type,
    before_first_month, before_last_month, after_first_month and after_last_month; `keys` are
    its columns that identify a window. A month with nothing paid adds 0. -#}
{% macro benefit_window_sums(windows, benefit_months, keys) -%}
    select
        {%- for key in keys %}
        {{ windows }}.{{ key }},
        {%- endfor %}
        coalesce(
            sum({{ benefit_months }}.amount) filter (
                where {{ benefit_months }}.month <= {{ windows }}.before_last_month
            ),
            0
        ) as amount_before,
        coalesce(
            sum({{ benefit_months }}.amount) filter (
                where {{ benefit_months }}.month >= {{ windows }}.after_first_month
            ),
            0
        ) as amount_after
    from {{ windows }}
    left join {{ benefit_months }}
        on
            {{ windows }}.person_id = {{ benefit_months }}.person_id
            and {{ windows }}.benefit_type = {{ benefit_months }}.benefit_type
            and {{ benefit_months }}.month between {{ windows }}.before_first_month
            and {{ windows }}.after_last_month
    group by {% for key in keys %}{{ windows }}.{{ key }}{{ ", " if not loop.last }}{% endfor %}
{%- endmacro %}
