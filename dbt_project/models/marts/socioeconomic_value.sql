{#- The payoff in kronor per year and actor: the wage-related flows of the paid placement-months
    and the benefits that the comparison group shows were avoided. The rules are described in
    the YAML. -#}
{%- set persons = 'paid_placement_persons' -%}

with

placement_months as (
    select * from {{ ref('int_placement_months_expanded') }}
),

parameters as (
    select * from {{ ref('socioeconomic_parameters') }}
),

effect_estimates as (
    select * from {{ ref('i2_effect_estimates') }}
    where target_group = 'Alla'
),

years as (
    select distinct year from placement_months
    union
    select distinct cohort_year as year from effect_estimates
),

-- Each year uses the newest set valid on its 1 January (none: the wage-related flows are NULL).
year_parameters as (
    select
        years.year,
        max(parameters.valid_from) as parameters_valid_from
    from years
    left join parameters
        on parameters.valid_from <= cast(cast(years.year as {{ dbt.type_string() }}) || '-01-01' as date)
    group by years.year
),

rates as (
    select
        valid_from,
        max(value) filter (where parameter = 'employer_fee_rate') as employer_fee_rate,
        max(value) filter (where parameter = 'municipal_tax_rate') as municipal_tax_rate,
        max(value) filter (where parameter = 'regional_tax_rate') as regional_tax_rate
    from parameters
    group by valid_from
),

-- A whole month's wage for every month touched: monthly_wage_sek of the kind × Omfattning / 100.
month_wages as (
    select
        placement_months.year,
        placement_months.person_id,
        parameters.value * placement_months.extent_percent * 0.01 as wage
    from placement_months
    inner join year_parameters on placement_months.year = year_parameters.year
    left join parameters
        on
            year_parameters.parameters_valid_from = parameters.valid_from
            and parameters.parameter = 'monthly_wage_sek'
            and placement_months.placement_type = parameters.placement_type
),

-- A month without a wage (no set, or a kind without a wage in it) leaves the year's wage NULL
-- rather than short.
work as (
    select
        year,
        count(*) as paid_placement_months,
        count(distinct person_id) as paid_placement_persons,
        case when count(wage) = count(*) then sum(wage) end as wage_sek
    from month_wages
    group by year
),

-- A NULL saving adds nothing and leaves that payer's side incomplete.
benefits as (
    select
        cohort_year as year,
        coalesce(sum(annualised_saving_sek) filter (
            where benefit_type = 'försörjningsstöd'
        ), 0) as municipal_saving,
        coalesce(sum(annualised_saving_sek) filter (
            where benefit_type in ('arbetslöshetsersättning', 'aktivitetsersättning')
        ), 0) as state_saving,
        count(*) filter (
            where benefit_type = 'försörjningsstöd' and annualised_saving_sek is null
        ) = 0 as municipal_complete,
        count(*) filter (
            where benefit_type in ('arbetslöshetsersättning', 'aktivitetsersättning')
            and annualised_saving_sek is null
        ) = 0 as state_complete
    from effect_estimates
    group by cohort_year
),

yearly as (
    select
        years.year,
        year_parameters.parameters_valid_from,
        rates.employer_fee_rate,
        rates.municipal_tax_rate,
        rates.regional_tax_rate,
        coalesce(work.paid_placement_months, 0) as paid_placement_months,
        coalesce(work.paid_placement_persons, 0) as paid_placement_persons,
        case when work.year is null then 0 else work.wage_sek end as wage_sek,
        coalesce(benefits.municipal_saving, 0) as municipal_saving,
        coalesce(benefits.state_saving, 0) as state_saving,
        coalesce(benefits.municipal_complete, true) as municipal_complete,
        coalesce(benefits.state_complete, true) as state_complete
    from years
    inner join year_parameters on years.year = year_parameters.year
    left join rates on year_parameters.parameters_valid_from = rates.valid_from
    left join work on years.year = work.year
    left join benefits on years.year = benefits.year
),

-- The four actors; samhället sums their columns, in this order, so that its benefits are 0
-- exactly (the individual's 0 − (municipal + state) cancels the payers' savings; 0 −, not a
-- unary minus, so that nothing saved is 0 and not −0).
actors as (
    select
        yearly.*,
        yearly.municipal_tax_rate * yearly.wage_sek as municipal_wage_related,
        yearly.regional_tax_rate * yearly.wage_sek as regional_wage_related,
        yearly.employer_fee_rate * yearly.wage_sek as state_wage_related,
        yearly.wage_sek * (1 - yearly.municipal_tax_rate - yearly.regional_tax_rate)
            as individual_wage_related,
        0 - (yearly.municipal_saving + yearly.state_saving) as individual_benefits
    from yearly
),

flows as (
    select
        year,
        'kommunen' as actor,
        municipal_wage_related as wage_related,
        municipal_saving as benefits_avoided,
        municipal_complete as benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from actors
    union all
    select
        year,
        'regionen' as actor,
        regional_wage_related as wage_related,
        0 as benefits_avoided,
        true as benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from actors
    union all
    select
        year,
        'staten' as actor,
        state_wage_related as wage_related,
        state_saving as benefits_avoided,
        state_complete as benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from actors
    union all
    select
        year,
        'individen' as actor,
        individual_wage_related as wage_related,
        individual_benefits as benefits_avoided,
        municipal_complete and state_complete as benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from actors
    union all
    select
        year,
        'samhället' as actor,
        municipal_wage_related + regional_wage_related + state_wage_related
        + individual_wage_related as wage_related,
        municipal_saving + 0 + state_saving + individual_benefits as benefits_avoided,
        municipal_complete and state_complete as benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from actors
),

valued as (
    select
        year,
        actor,
        cast(wage_related as double) as wage_related_sek,
        cast(benefits_avoided as double) as benefits_avoided_sek,
        cast(wage_related as double) + cast(benefits_avoided as double) as total_sek,
        benefits_complete,
        paid_placement_months,
        paid_placement_persons,
        parameters_valid_from
    from flows
),

-- Small-number rule: with 1–4 persons in paid work that year, every kronor figure of the year
-- is NULL (the persons' count too); 0 persons (a year with benefits only) hides nothing.
final as (
    select
        cast(year as integer) as year,
        cast(actor as {{ dbt.type_string() }}) as actor,
        cast({{ suppress_if_few('wage_related_sek', persons) }} as double) as wage_related_sek,
        cast({{ suppress_if_few('benefits_avoided_sek', persons) }} as double)
            as benefits_avoided_sek,
        cast({{ suppress_if_few('total_sek', persons) }} as double) as total_sek,
        cast(benefits_complete as boolean) as benefits_complete,
        cast({{ suppress_if_few('paid_placement_months', persons) }} as bigint)
            as paid_placement_months,
        cast({{ suppress_if_few('paid_placement_persons', persons) }} as bigint)
            as paid_placement_persons,
        cast(parameters_valid_from as date) as parameters_valid_from
    from valued
)

-- A stable row order: the published files are the same bytes for the same data.
select * from final
order by year, actor
