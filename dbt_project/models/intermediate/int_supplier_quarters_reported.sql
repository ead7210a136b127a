{#- One row per supplier and quarter it owes a report for, with the report's status. A quarter is
    owed when one of the supplier's contracts with an employment requirement runs during it and
    30 days of grace after its last day have passed by the snapshot's date. -#}
with

contracts as (
    select * from {{ ref('int_contracts_classified') }}
    where has_employment_requirement and supplier_org_number is not null
),

files as (
    select * from {{ ref('int_supplier_report_files_attributed') }}
),

reports as (
    select * from {{ ref('stg_leverantorsrapporter__placements') }}
),

contract_months as (
    select
        contracts.procurement_id,
        contracts.supplier_org_number as supplier_key,
        contracts.contract_start,
        contracts.contract_end,
        contracts.snapshot_date,
        months.month_start
    from contracts
    {{ month_series_from(
        'cast(' ~ dbt.date_trunc('quarter', 'contracts.contract_start') ~ ' as date)',
        'cast(' ~ dbt.date_trunc('quarter', 'least(coalesce(contracts.contract_end, contracts.snapshot_date), contracts.snapshot_date)') ~ ' as date)',
        'months', 'month_start'
    ) }}
),

contract_quarters as (
    select
        procurement_id,
        supplier_key,
        contract_start,
        contract_end,
        snapshot_date,
        month_start as quarter_start,
        {{ add_days(add_months('month_start', 3), -1) }} as quarter_end
    from contract_months
    where extract(month from month_start) in (1, 4, 7, 10)
),

due as (
    select
        supplier_key,
        quarter_start,
        count(distinct procurement_id) as contracts_running
    from contract_quarters
    where
        contract_start <= quarter_end
        and (contract_end is null or contract_end >= quarter_start)
        and {{ add_days('quarter_end', 30) }} <= snapshot_date
    group by supplier_key, quarter_start
),

due_periods as (
    select
        supplier_key,
        contracts_running,
        cast(extract(year from quarter_start) as {{ dbt.type_string() }})
        || '-Q'
        || cast(extract(quarter from quarter_start) as {{ dbt.type_string() }}) as report_period
    from due
),

attributed_files as (
    select
        supplier_key,
        report_period,
        min(case when status = 'loaded' then file_name end) as first_loaded_file,
        count(case when status = 'loaded' then 1 end) as loaded_files,
        count(case when status = 'refused' then 1 end) as refused_files
    from files
    where supplier_key is not null
    group by supplier_key, report_period
),

reported_rows as (
    select
        supplier_org_number as supplier_key,
        report_period,
        min(file_name) as first_file,
        count(
            distinct procurement_id || '|' || person_id || '|' || placement_type || '|'
            || cast(start_date as {{ dbt.type_string() }})
        ) as placements_reported
    from reports
    where supplier_org_number is not null
    group by supplier_org_number, report_period
),

final as (
    select
        due.supplier_key,
        due.report_period,
        due.contracts_running,
        case
            when coalesce(attributed_files.loaded_files, 0) > 0 or reported_rows.first_file is not null
                then 'inkommen'
            when coalesce(attributed_files.refused_files, 0) > 0 then 'underkänd'
            else 'saknas'
        end as status,
        case
            when attributed_files.first_loaded_file is null then reported_rows.first_file
            when reported_rows.first_file is null then attributed_files.first_loaded_file
            else least(attributed_files.first_loaded_file, reported_rows.first_file)
        end as received_file,
        coalesce(reported_rows.placements_reported, 0) as placements_reported
    from due_periods as due
    left join attributed_files
        on
            due.supplier_key = attributed_files.supplier_key
            and due.report_period = attributed_files.report_period
    left join reported_rows
        on
            due.supplier_key = reported_rows.supplier_key
            and due.report_period = reported_rows.report_period
)

select * from final
