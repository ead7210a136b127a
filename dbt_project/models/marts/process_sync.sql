with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
),

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

registrations as (
    select * from {{ ref('int_registrations_deduplicated') }}
),

placed as (
    select
        procurement_id,
        count(distinct person_id) as placed_individuals,
        min(start_date) as first_placement_date
    from placements
    group by procurement_id
),

referred as (
    select
        referred_procurement_id as procurement_id,
        count(distinct person_id) as referred_candidates
    from registrations
    where referred_procurement_id is not null
    group by referred_procurement_id
),

joined as (
    select
        contracts.procurement_id,
        contracts.buyer_organisation,
        contracts.supplier_name,
        contracts.contract_start,
        contracts.contract_end,
        contracts.required_places,
        contracts.on_gross_list,
        contracts.snapshot_date,
        coalesce(placed.placed_individuals, 0) as placed_individuals,
        coalesce(referred.referred_candidates, 0) as referred_candidates,
        placed.first_placement_date
    from contracts
    left join placed on contracts.procurement_id = placed.procurement_id
    left join referred on contracts.procurement_id = referred.procurement_id
    where contracts.has_employment_requirement
),

final as (
    select
        procurement_id,
        buyer_organisation,
        supplier_name,
        contract_start,
        contract_end,
        required_places,
        placed_individuals,
        {{ ratio('placed_individuals', 'required_places') }} as fill_rate,
        referred_candidates,
        first_placement_date,
        {{ dbt.datediff('contract_start', 'first_placement_date', 'day') }}
            as days_to_first_placement,
        case
            when placed_individuals >= coalesce(required_places, 0) then 'uppfyllt'
            when contract_end is null or contract_end >= snapshot_date then 'pågår'
            else 'ej uppfyllt'
        end as status,
        on_gross_list,
        snapshot_date
    from joined
)

select
    procurement_id,
    buyer_organisation,
    supplier_name,
    contract_start,
    contract_end,
    cast(required_places as integer) as required_places,
    cast(placed_individuals as bigint) as placed_individuals,
    cast(fill_rate as double) as fill_rate,
    cast(referred_candidates as bigint) as referred_candidates,
    first_placement_date,
    cast(days_to_first_placement as integer) as days_to_first_placement,
    status,
    on_gross_list,
    snapshot_date
from final
order by buyer_organisation, contract_start, procurement_id
