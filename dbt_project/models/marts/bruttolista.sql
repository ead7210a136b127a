with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
),

agency_ids as (
    select distinct procurement_id from {{ ref('stg_upphandlingsmyndigheten__procurements') }}
),

final as (
    select
        contracts.procurement_id,
        contracts.title,
        contracts.buyer_organisation,
        contracts.procurement_type,
        contracts.contract_start,
        contracts.contract_end,
        contracts.workers,
        contracts.social_level,
        contracts.has_employment_requirement,
        contracts.required_places,
        contracts.supplier_name,
        agency_ids.procurement_id is not null as in_agency_statistics
    from contracts
    left join agency_ids on contracts.procurement_id = agency_ids.procurement_id
    where contracts.on_gross_list
)

select
    procurement_id,
    title,
    buyer_organisation,
    procurement_type,
    contract_start,
    contract_end,
    workers,
    social_level,
    has_employment_requirement,
    required_places,
    supplier_name,
    in_agency_statistics
from final
order by buyer_organisation, contract_start, procurement_id
