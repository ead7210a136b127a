with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
),

counted as (
    select
        cast(extract(year from contract_start) as integer) as year,
        buyer_organisation,
        count(*) filter (where procurement_type = 'Tjänster') as service_procurements,
        count(*) filter (
            where procurement_type = 'Tjänster' and on_gross_list
        ) as gross_list_procurements,
        count(*) filter (
            where procurement_type = 'Tjänster' and on_gross_list and has_social_requirement
        ) as with_social_requirement,
        count(*) filter (
            where procurement_type = 'Tjänster' and on_gross_list and has_employment_requirement
        ) as with_employment_requirement,
        coalesce(
            sum(required_places) filter (
                where procurement_type = 'Tjänster' and on_gross_list and has_employment_requirement
            ),
            0
        ) as required_places
    from contracts
    group by year, buyer_organisation
),

final as (
    select
        year,
        buyer_organisation,
        service_procurements,
        gross_list_procurements,
        with_social_requirement,
        with_employment_requirement,
        {{ ratio('with_social_requirement', 'gross_list_procurements') }}
            as share_social_requirement,
        {{ ratio('with_employment_requirement', 'gross_list_procurements') }}
            as share_employment_requirement,
        required_places
    from counted
)

select
    year,
    buyer_organisation,
    service_procurements,
    gross_list_procurements,
    with_social_requirement,
    with_employment_requirement,
    cast(share_social_requirement as double) as share_social_requirement,
    cast(share_employment_requirement as double) as share_employment_requirement,
    cast(required_places as bigint) as required_places
from final
order by year, buyer_organisation
