{#- Every person counted in i2_benefit_effects (the treated), per payer: their cell, their change,
    and the mean change of the controls in that cell (their counterfactual). -#}
with

windows as (
    select * from {{ ref('int_benefit_windows_summed') }}
),

controls as (
    select * from {{ ref('int_effect_controls_selected') }}
),

treated as (
    select
        person_id,
        benefit_type,
        cohort_year,
        index_month,
        target_group,
        amount_before,
        amount_after,
        amount_before > 0 as paid_before,
        amount_after - amount_before as change
    from windows
    where is_mature
),

cells as (
    select
        benefit_type,
        index_month,
        target_group,
        paid_before,
        count(*) as cell_controls,
        -- An exact decimal sum, then one division: the same digits whatever the order.
        cast(sum(amount_after - amount_before) as double) / count(*) as counterfactual_change
    from controls
    group by benefit_type, index_month, target_group, paid_before
),

-- A treated person whose target group at S is Okänd has no cell: controls are registered, so
-- no cell of theirs has a target group Okänd; the explicit condition says so all the same.
final as (
    select
        treated.person_id,
        treated.benefit_type,
        treated.cohort_year,
        treated.index_month,
        treated.target_group,
        treated.paid_before,
        treated.amount_before,
        treated.amount_after,
        treated.change,
        coalesce(cells.cell_controls, 0) as cell_controls,
        cells.counterfactual_change,
        treated.change - cells.counterfactual_change as effect,
        cells.cell_controls is not null as is_matched
    from treated
    left join cells
        on
            treated.benefit_type = cells.benefit_type
            and treated.index_month = cells.index_month
            and treated.target_group = cells.target_group
            and treated.paid_before = cells.paid_before
            and treated.target_group != 'Okänd'
)

select
    cast(person_id as {{ dbt.type_string() }}) as person_id,
    cast(benefit_type as {{ dbt.type_string() }}) as benefit_type,
    cast(cohort_year as integer) as cohort_year,
    cast(index_month as date) as index_month,
    cast(target_group as {{ dbt.type_string() }}) as target_group,
    cast(paid_before as boolean) as paid_before,
    cast(amount_before as decimal(18, 2)) as amount_before,
    cast(amount_after as decimal(18, 2)) as amount_after,
    cast(change as decimal(18, 2)) as change,
    cast(cell_controls as bigint) as cell_controls,
    cast(counterfactual_change as double) as counterfactual_change,
    cast(effect as double) as effect,
    cast(is_matched as boolean) as is_matched
from final
