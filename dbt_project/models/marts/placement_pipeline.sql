{#- The job brokers' work list: per contract with an employment requirement that has not ended
    on the reference date R, the places it still owes, where, for whom, by when and at what pace.
    The rules are described in the YAML. -#}
with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
),

reference_date as (
    select reference_date from {{ ref('int_reference_date_selected') }}
),

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

registrations as (
    select * from {{ ref('int_registrations_deduplicated') }}
),

-- One sort key (Spark's ordered aggregate takes one): the list's order, a group the office
-- added without one last, ties by name.
target_groups as (
    select
        target_group,
        lpad(cast(coalesce(list_order, 999999) as {{ dbt.type_string() }}), 6, '0') || target_group
            as sort_key
    from {{ ref('target_groups') }}
),

-- Not ended on R: open-ended or ending on or after it; also those that start after it.
open_contracts as (
    select
        contracts.procurement_id,
        contracts.title,
        contracts.buyer_organisation,
        contracts.supplier_name,
        contracts.contract_start,
        contracts.contract_end,
        contracts.execution_area,
        -- The Målgrupper as a list separated by ',' alone, so that a name matches trimmed.
        trim({{ replace_all("coalesce(contracts.target_groups, '')", ' *, *', ',') }})
            as named_target_groups,
        coalesce(contracts.required_places, 0) as required_places,
        reference_date.reference_date
    from contracts
    cross join reference_date
    where
        contracts.has_employment_requirement
        and (contracts.contract_end is null or contracts.contract_end >= reference_date.reference_date)
),

-- The named target groups in the reference list's order; a name not on the list is left out
-- (no candidate can be of it).
listed_target_groups as (
    select
        open_contracts.procurement_id,
        {{ ordered_text_agg('target_groups.target_group', ', ', 'target_groups.sort_key') }}
            as target_groups
    from open_contracts
    inner join target_groups
        on {{ text_list_contains('open_contracts.named_target_groups', ',', 'target_groups.target_group') }}
    group by open_contracts.procurement_id
),

placed as (
    select
        placements.procurement_id,
        count(distinct placements.person_id) as placed_individuals
    from placements
    cross join reference_date
    where placements.start_date <= reference_date.reference_date
    group by placements.procurement_id
),

ever_placed as (
    select distinct
        procurement_id,
        person_id
    from placements
),

-- Referred by a registration open on R, and not placed under the contract at any date.
waiting as (
    select
        registrations.referred_procurement_id as procurement_id,
        count(distinct registrations.person_id) as waiting_referrals
    from registrations
    cross join reference_date
    left join ever_placed
        on
            registrations.referred_procurement_id = ever_placed.procurement_id
            and registrations.person_id = ever_placed.person_id
    where
        registrations.referred_procurement_id is not null
        and registrations.registered_date <= reference_date.reference_date
        and (
            registrations.deregistered_date is null
            or registrations.deregistered_date >= reference_date.reference_date
        )
        and ever_placed.person_id is null
    group by registrations.referred_procurement_id
),

counted as (
    select
        open_contracts.*,
        coalesce(listed_target_groups.target_groups, '') as target_groups,
        coalesce(placed.placed_individuals, 0) as placed_individuals,
        coalesce(waiting.waiting_referrals, 0) as waiting_referrals
    from open_contracts
    left join listed_target_groups
        on open_contracts.procurement_id = listed_target_groups.procurement_id
    left join placed on open_contracts.procurement_id = placed.procurement_id
    left join waiting on open_contracts.procurement_id = waiting.procurement_id
),

timed as (
    select
        *,
        {{ dbt.datediff('contract_start', 'reference_date', 'day') }}
            as days_since_start,
        {{ dbt.datediff('contract_start', 'contract_end', 'day') }}
            as days_start_to_end,
        {{ dbt.datediff('reference_date', 'contract_end', 'day') }}
            as days_to_end
    from counted
),

-- Days passed on R (0 before the start) and the contract's days; NULL when open-ended.
dated as (
    select
        *,
        case
            when contract_end is null then null
            when reference_date < contract_start then 0
            else days_since_start + 1
        end as elapsed_days,
        days_start_to_end + 1 as contract_days
    from timed
),

paced as (
    select
        *,
        case when required_places > placed_individuals then required_places - placed_individuals else 0 end
            as remaining_places,
        {{ ratio('elapsed_days', 'contract_days') }} as elapsed_share,
        -- placed ≥ floor(required × elapsed / days) ⇔ (placed + 1) × days > required × elapsed,
        -- in whole numbers: a share like 1/3 times 3 is never 0.999… here.
        (placed_individuals + 1) * contract_days > required_places * elapsed_days as keeps_pace
    from dated
),

final as (
    select
        cast(procurement_id as {{ dbt.type_string() }}) as procurement_id,
        cast(title as {{ dbt.type_string() }}) as title,
        cast(buyer_organisation as {{ dbt.type_string() }}) as buyer_organisation,
        cast(supplier_name as {{ dbt.type_string() }}) as supplier_name,
        cast(contract_start as date) as contract_start,
        cast(contract_end as date) as contract_end,
        cast(coalesce(execution_area, '00') as {{ dbt.type_string() }}) as stadsomrade,
        cast(target_groups as {{ dbt.type_string() }}) as target_groups,
        cast(required_places as integer) as required_places,
        cast(placed_individuals as bigint) as placed_individuals,
        cast(remaining_places as bigint) as remaining_places,
        cast(waiting_referrals as bigint) as waiting_referrals,
        cast(elapsed_share as double) as elapsed_share,
        cast(required_places * elapsed_share as double) as expected_placed_by_now,
        cast(
            case
                when remaining_places = 0 then 'klar'
                when contract_start > reference_date then 'ej startad'
                when contract_end is null then 'löpande'
                when keeps_pace then 'i fas'
                else 'efter'
            end as {{ dbt.type_string() }}
        ) as pace,
        cast(days_to_end as integer) as days_left,
        cast(
            cast(extract(year from contract_end) as {{ dbt.type_string() }})
            || '-Q' || cast(extract(quarter from contract_end) as {{ dbt.type_string() }})
            as {{ dbt.type_string() }}
        ) as due_quarter,
        cast(reference_date as date) as reference_date
    from paced
)

select * from final
