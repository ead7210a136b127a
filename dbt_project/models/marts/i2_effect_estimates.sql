{#- Indicator 2 against a comparison group: per cohort year, benefit and target group (and 'Alla'
    over every target group), the placed persons' change in benefits minus what their cells'
    controls changed by. The method is described in the YAML. -#}
{%- set estimate_persons = ['matched', 'controls'] -%}

with

treated as (
    select * from {{ ref('int_effect_cohorts_matched') }}
),

controls as (
    select * from {{ ref('int_effect_controls_selected') }}
),

-- Every treated person twice: in their own target group and in 'Alla'.
by_group as (
    select
        cohort_year,
        benefit_type,
        target_group,
        index_month,
        paid_before,
        target_group as cell_target_group,
        change,
        counterfactual_change,
        effect,
        is_matched
    from treated
    union all
    select
        cohort_year,
        benefit_type,
        'Alla' as target_group,
        index_month,
        paid_before,
        target_group as cell_target_group,
        change,
        counterfactual_change,
        effect,
        is_matched
    from treated
),

-- Means and the variance from exact sums (the changes in whole öre, the effects to a millionth
-- of a krona, as decimals): a floating-point sum depends on the order DuckDB's threads add in,
-- and an identical night must publish identical digits.
exact as (
    select
        cohort_year,
        benefit_type,
        target_group,
        is_matched,
        cast(change as decimal(38, 6)) as change,
        cast(counterfactual_change as decimal(38, 6)) as counterfactual_change,
        cast(effect as decimal(38, 6)) as effect
    from by_group
),

summed as (
    select
        cohort_year,
        benefit_type,
        target_group,
        count(*) as treated,
        count(*) filter (where is_matched) as matched,
        sum(change) filter (where is_matched) as change_sum,
        sum(counterfactual_change) filter (where is_matched) as counterfactual_sum,
        sum(effect) filter (where is_matched) as effect_sum,
        sum(effect * effect) filter (where is_matched) as effect_square_sum
    from exact
    group by cohort_year, benefit_type, target_group
),

estimated as (
    select
        cohort_year,
        benefit_type,
        target_group,
        treated,
        matched,
        cast(change_sum as double) / nullif(matched, 0) as change_per_person,
        cast(counterfactual_sum as double) / nullif(matched, 0) as counterfactual_per_person,
        cast(effect_sum as double) / nullif(matched, 0) as effect_per_person,
        -- 1.96 · sample sd / √matched = 1.96 · √(sample variance / matched), the sample variance
        -- (n Σx² − (Σx)²) / (n (n − 1)) with an exact numerator; NULL for fewer than two matched.
        case
            when matched >= 2 then
                1.96 * sqrt(
                    cast(matched * effect_square_sum - effect_sum * effect_sum as double)
                    / (matched * (matched - 1)) / matched
                )
        end as ci95_half_width
    from summed
),

-- The cells of the matched, and the distinct persons who are controls in any of them.
matched_cells as (
    select distinct
        cohort_year,
        benefit_type,
        target_group,
        index_month,
        cell_target_group,
        paid_before
    from by_group
    where is_matched
),

control_persons as (
    select
        matched_cells.cohort_year,
        matched_cells.benefit_type,
        matched_cells.target_group,
        count(distinct controls.person_id) as controls
    from matched_cells
    inner join controls
        on
            matched_cells.benefit_type = controls.benefit_type
            and matched_cells.index_month = controls.index_month
            and matched_cells.cell_target_group = controls.target_group
            and matched_cells.paid_before = controls.paid_before
    group by matched_cells.cohort_year, matched_cells.benefit_type, matched_cells.target_group
),

counted as (
    select
        estimated.cohort_year,
        estimated.benefit_type,
        estimated.target_group,
        estimated.treated,
        estimated.matched,
        coalesce(control_persons.controls, 0) as controls,
        estimated.change_per_person as change_per_person_sek,
        estimated.counterfactual_per_person as counterfactual_change_per_person_sek,
        estimated.effect_per_person as effect_per_person_sek,
        estimated.effect_per_person - estimated.ci95_half_width as effect_ci95_low,
        estimated.effect_per_person + estimated.ci95_half_width as effect_ci95_high,
        -2 * estimated.effect_per_person * estimated.matched as annualised_saving_sek
    from estimated
    left join control_persons
        on
            estimated.cohort_year = control_persons.cohort_year
            and estimated.benefit_type = control_persons.benefit_type
            and estimated.target_group = control_persons.target_group
),

cells as (
    select
        *,
        treated between 1 and 4 as treated_hidden,
        matched between 1 and 4 as matched_hidden
    from counted
),

-- Complementary suppression over the relations in the YAML (the target groups' treated and
-- matched sum to Alla's), one relation per count.
{{ complementary_suppression(
    'cells',
    ['cohort_year', 'benefit_type', 'target_group', 'treated', 'matched', 'controls',
     'change_per_person_sek', 'counterfactual_change_per_person_sek', 'effect_per_person_sek',
     'effect_ci95_low', 'effect_ci95_high', 'annualised_saving_sek', 'treated_hidden',
     'matched_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- A hidden count is NULL, and a hidden matched hides the estimates: the saving over the effect
-- per person would give matched back.
unhidden as (
    select
        cohort_year,
        benefit_type,
        target_group,
        case when treated_hidden then null else treated end as treated,
        case when matched_hidden then null else matched end as matched,
        controls,
        case when matched_hidden then null else change_per_person_sek end
            as change_per_person_sek,
        case when matched_hidden then null else counterfactual_change_per_person_sek end
            as counterfactual_change_per_person_sek,
        case when matched_hidden then null else effect_per_person_sek end
            as effect_per_person_sek,
        case when matched_hidden then null else effect_ci95_low end
            as effect_ci95_low,
        case when matched_hidden then null else effect_ci95_high end
            as effect_ci95_high,
        case when matched_hidden then null else annualised_saving_sek end
            as annualised_saving_sek,
        treated_hidden,
        matched_hidden
    from protected
),

-- Small-number rule: the counts 1–4 are NULL; a mean, bound or saving is NULL when the matched
-- or the controls it is computed over are 1–4. With no matched person they are NULL already
-- (a mean over nobody).
final as (
    select
        cast(cohort_year as integer) as cohort_year,
        cast(benefit_type as {{ dbt.type_string() }}) as benefit_type,
        cast(target_group as {{ dbt.type_string() }}) as target_group,
        cast({{ suppress_if_few('treated', 'treated') }} as bigint) as treated,
        cast({{ suppress_if_few('matched', 'matched') }} as bigint) as matched,
        cast({{ suppress_if_few('controls', 'controls') }} as bigint) as controls,
        cast({{ suppress_if_few('change_per_person_sek', estimate_persons) }} as double)
            as change_per_person_sek,
        cast({{ suppress_if_few('counterfactual_change_per_person_sek', estimate_persons) }} as double)
            as counterfactual_change_per_person_sek,
        cast({{ suppress_if_few('effect_per_person_sek', estimate_persons) }} as double)
            as effect_per_person_sek,
        cast({{ suppress_if_few('effect_ci95_low', estimate_persons) }} as double)
            as effect_ci95_low,
        cast({{ suppress_if_few('effect_ci95_high', estimate_persons) }} as double)
            as effect_ci95_high,
        cast({{ suppress_if_few('annualised_saving_sek', estimate_persons) }} as double)
            as annualised_saving_sek
    from unhidden
)

-- A stable row order: the published files are the same bytes for the same data.
select * from final
order by cohort_year, benefit_type, target_group
