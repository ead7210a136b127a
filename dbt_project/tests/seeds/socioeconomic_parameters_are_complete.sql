{#- Every set of socioeconomic_parameters is complete: every paid placement type has one
    monthly_wage_sek, each rate is there once, and the two taxes leave a net wage (their sum is
    below 1). Returns each valid_from with what is missing or doubled. -#}
with

parameters as (
    select * from {{ ref('socioeconomic_parameters') }}
),

paid_types as (
    select placement_type from {{ ref('placement_types') }}
    where is_paid
),

sets as (
    select distinct valid_from from parameters
),

expected as (
    select
        sets.valid_from,
        'monthly_wage_sek' as parameter,
        paid_types.placement_type
    from sets
    cross join paid_types
    union all
    select
        sets.valid_from,
        rates.parameter,
        null as placement_type
    from sets
    cross join (
        values ('employer_fee_rate'), ('municipal_tax_rate'), ('regional_tax_rate')
    ) as rates (parameter)
),

counted as (
    select
        expected.valid_from,
        expected.parameter,
        expected.placement_type,
        count(parameters.value) as found
    from expected
    left join parameters
        on
            expected.valid_from = parameters.valid_from
            and expected.parameter = parameters.parameter
            and coalesce(expected.placement_type, '') = coalesce(parameters.placement_type, '')
    group by expected.valid_from, expected.parameter, expected.placement_type
),

taxes as (
    select
        valid_from,
        sum(value) as tax_rates
    from parameters
    where parameter in ('municipal_tax_rate', 'regional_tax_rate')
    group by valid_from
)

select
    valid_from,
    parameter || coalesce(' ' || placement_type, '') || ': ' || found || ' rows, 1 expected'
        as problem
from counted
where found <> 1
union all
select
    valid_from,
    'municipal + regional tax rate ' || tax_rates || ', below 1 expected' as problem
from taxes
where tax_rates >= 1
