{#- Every supplier report file as the folder stands after the latest load (loaded or refused;
    duplicates and files still being written left out), with the supplier and quarter it
    reports: from the template's file name rapport_<orgnr>_<YYYY-Qn>…xlsx, else from its rows
    when they name one supplier and one quarter; otherwise unattributed (NULL). -#}
with

load_log as (
    select * from {{ ref('stg_audit__load_log') }}
    where source = 'leverantorsrapporter'
),

reports as (
    select * from {{ ref('stg_leverantorsrapporter__placements') }}
),

latest_run as (
    select {{ value_at_max('run_id', 'loaded_at') }} as run_id
    from load_log
),

current_files as (
    select
        load_log.file_name,
        load_log.status,
        load_log.rows_read,
        load_log.rows_loaded,
        load_log.rows_rejected,
        load_log.message
    from load_log
    inner join latest_run on load_log.run_id = latest_run.run_id
    where load_log.status in ('loaded', 'refused')
),

named as (
    select
        file_name,
        nullif(regexp_extract(file_name, '{{ report_file_pattern() }}', 1), '') as supplier_key,
        nullif(regexp_extract(file_name, '{{ report_file_pattern() }}', 2), '') as report_period
    from current_files
),

file_rows as (
    select
        file_name,
        count(distinct supplier_org_number) as suppliers,
        min(supplier_org_number) as supplier_key,
        count(distinct report_period) as report_periods,
        min(report_period) as report_period
    from reports
    group by file_name
),

final as (
    select
        current_files.file_name,
        current_files.status,
        current_files.rows_read,
        current_files.rows_loaded,
        current_files.rows_rejected,
        current_files.message,
        case
            when named.supplier_key is not null then named.supplier_key
            when file_rows.suppliers = 1 and file_rows.report_periods = 1
                then file_rows.supplier_key
        end as supplier_key,
        case
            when named.supplier_key is not null then named.report_period
            when file_rows.suppliers = 1 and file_rows.report_periods = 1
                then file_rows.report_period
        end as report_period,
        case
            when named.supplier_key is not null then 'file name'
            when file_rows.suppliers = 1 and file_rows.report_periods = 1 then 'rows'
        end as attributed_by
    from current_files
    inner join named on current_files.file_name = named.file_name
    left join file_rows on current_files.file_name = file_rows.file_name
)

select * from final
