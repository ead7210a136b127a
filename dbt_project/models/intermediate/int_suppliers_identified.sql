{#- The suppliers of the current contract register (newest snapshot, city buyers): one row per
    Leverantör organisationsnummer, its name the first in byte order of its contracts' names. -#}
with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
),

suppliers as (
    select
        supplier_org_number as supplier_key,
        min(supplier_name) as supplier_name,
        count(distinct case when has_employment_requirement then procurement_id end)
            as contracts_with_requirement
    from contracts
    where supplier_org_number is not null
    group by supplier_org_number
),

final as (
    select
        supplier_key,
        {{ published_org_number('supplier_key') }} as supplier_org_number,
        supplier_name,
        {{ is_sole_trader('supplier_key') }} as is_sole_trader,
        contracts_with_requirement
    from suppliers
)

select * from final
