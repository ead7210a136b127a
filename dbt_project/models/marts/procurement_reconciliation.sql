with

agency as (
    select * from {{ ref('stg_upphandlingsmyndigheten__procurements') }}
),

city_organisations as (
    select
        org_number,
        name
    from {{ ref('city_organisations') }}
),

register as (
    select procurement_id from {{ ref('int_contracts_classified') }}
),

city_agency as (
    select agency.*
    from agency
    inner join city_organisations on agency.buyer_org_number = city_organisations.org_number
),

-- One procurement may stand in several files or rows: one (year, buyer, id) each.
procurements as (
    select
        year,
        buyer_org_number,
        procurement_id,
        bool_or(procurement_type = 'Tjänster') as is_service
    from city_agency
    group by year, buyer_org_number, procurement_id
),

-- The name the agency gives the buyer most often that year.
buyer_names as (
    select
        year,
        buyer_org_number,
        mode(buyer_name) as buyer_name
    from city_agency
    group by year, buyer_org_number
),

counted as (
    select
        procurements.year,
        procurements.buyer_org_number,
        count(*) as agency_procurements,
        count(*) filter (where procurements.is_service) as agency_service_procurements,
        count(*) filter (where register.procurement_id is not null) as in_register
    from procurements
    left join register on procurements.procurement_id = register.procurement_id
    group by procurements.year, procurements.buyer_org_number
),

final as (
    select
        cast(counted.year as integer) as year,
        counted.buyer_org_number,
        coalesce(buyer_names.buyer_name, city_organisations.name) as buyer_name,
        counted.agency_procurements,
        counted.agency_service_procurements,
        counted.in_register,
        counted.agency_procurements - counted.in_register as missing_from_register
    from counted
    left join buyer_names
        on counted.year = buyer_names.year and counted.buyer_org_number = buyer_names.buyer_org_number
    left join city_organisations on counted.buyer_org_number = city_organisations.org_number
)

select
    year,
    buyer_org_number,
    buyer_name,
    agency_procurements,
    agency_service_procurements,
    in_register,
    missing_from_register
from final
order by year, buyer_org_number
