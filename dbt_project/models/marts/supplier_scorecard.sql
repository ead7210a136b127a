with

suppliers as (
    select * from {{ ref('int_suppliers_identified') }}
    where contracts_with_requirement > 0
),

contracts as (
    select * from {{ ref('int_contracts_classified') }}
    where has_employment_requirement and supplier_org_number is not null
),

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

quarters as (
    select * from {{ ref('int_supplier_quarters_reported') }}
),

files as (
    select * from {{ ref('int_supplier_report_files_attributed') }}
    where supplier_key is not null
),

places as (
    select
        contracts.supplier_org_number as supplier_key,
        count(distinct contracts.procurement_id) as contracts_with_requirement,
        sum(contracts.required_places) as required_places
    from contracts
    group by contracts.supplier_org_number
),

placed as (
    select
        contracts.supplier_org_number as supplier_key,
        count(distinct placements.person_id) as placed_individuals
    from contracts
    inner join placements on contracts.procurement_id = placements.procurement_id
    group by contracts.supplier_org_number
),

reporting as (
    select
        supplier_key,
        count(*) as reports_due,
        count(case when status = 'inkommen' then 1 end) as reports_received,
        count(case when status in ('saknas', 'underkänd') then 1 end) as reports_missing,
        max(case when status = 'inkommen' then report_period end) as last_report_period
    from quarters
    group by supplier_key
),

file_outcomes as (
    select
        supplier_key,
        count(case when status = 'refused' then 1 end) as files_refused,
        sum(rows_rejected) as rows_rejected
    from files
    group by supplier_key
),

final as (
    select
        suppliers.supplier_org_number,
        suppliers.supplier_name,
        cast(places.contracts_with_requirement as bigint) as contracts_with_requirement,
        cast(coalesce(places.required_places, 0) as bigint) as required_places,
        cast(coalesce(placed.placed_individuals, 0) as bigint) as placed_individuals,
        cast(
            {{ ratio('coalesce(placed.placed_individuals, 0)', 'coalesce(places.required_places, 0)') }}
            as double
        ) as fill_rate,
        cast(coalesce(reporting.reports_due, 0) as bigint) as reports_due,
        cast(coalesce(reporting.reports_received, 0) as bigint) as reports_received,
        cast(coalesce(reporting.reports_missing, 0) as bigint) as reports_missing,
        cast(
            {{ ratio('coalesce(reporting.reports_received, 0)', 'coalesce(reporting.reports_due, 0)') }}
            as double
        ) as reporting_rate,
        cast(reporting.last_report_period as {{ dbt.type_string() }}) as last_report_period,
        cast(coalesce(file_outcomes.files_refused, 0) as bigint) as files_refused,
        cast(coalesce(file_outcomes.rows_rejected, 0) as bigint) as rows_rejected,
        suppliers.is_sole_trader
    from suppliers
    inner join places on suppliers.supplier_key = places.supplier_key
    left join placed on suppliers.supplier_key = placed.supplier_key
    left join reporting on suppliers.supplier_key = reporting.supplier_key
    left join file_outcomes on suppliers.supplier_key = file_outcomes.supplier_key
)

-- A stable row order: the published files are the same bytes for the same data (two sole
-- traders of the same name are told apart by the rest of their row).
select * from final
order by
    supplier_name, supplier_org_number, contracts_with_requirement, required_places,
    placed_individuals, reports_due, reports_received, files_refused, rows_rejected,
    last_report_period
