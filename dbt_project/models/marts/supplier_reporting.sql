with

quarters as (
    select * from {{ ref('int_supplier_quarters_reported') }}
),

suppliers as (
    select * from {{ ref('int_suppliers_identified') }}
),

final as (
    select
        suppliers.supplier_org_number,
        suppliers.supplier_name,
        cast(quarters.report_period as {{ dbt.type_string() }}) as report_period,
        cast(quarters.contracts_running as bigint) as contracts_running,
        cast(quarters.status as {{ dbt.type_string() }}) as status,
        cast({{ masked_text('quarters.received_file') }} as {{ dbt.type_string() }}) as received_file,
        cast(quarters.placements_reported as bigint) as placements_reported,
        suppliers.is_sole_trader
    from quarters
    inner join suppliers on quarters.supplier_key = suppliers.supplier_key
)

-- A stable row order: the published files are the same bytes for the same data (two sole
-- traders of the same name are told apart by the rest of their row).
select * from final
order by
    supplier_name, supplier_org_number, report_period, status, received_file, contracts_running,
    placements_reported
