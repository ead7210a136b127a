{#- One row per placement (Upphandlings-ID, person, Insatstyp, Startdatum): the latest report of
    it wins (newest Rapportperiod, then newest file name, then last row in the file). -#}
with

reports as (
    select * from {{ ref('stg_leverantorsrapporter__placements') }}
),

ranked as (
    select
        procurement_id,
        supplier_org_number,
        person_id,
        birth_year,
        sex,
        age_at_start,
        placement_type,
        start_date,
        end_date,
        extent_percent,
        report_period,
        file_name,
        row_number,
        count(*) over (
            partition by procurement_id, person_id, placement_type, start_date
        ) as report_rows,
        row_number() over (
            partition by procurement_id, person_id, placement_type, start_date
            order by report_period desc, file_name desc, row_number desc
        ) as report_rank
    from reports
),

final as (
    select
        {{ dbt.hash(
            "procurement_id || '|' || person_id || '|' || placement_type || '|' || cast(start_date as "
            ~ dbt.type_string() ~ ")"
        ) }} as placement_id,
        procurement_id,
        supplier_org_number,
        person_id,
        birth_year,
        sex,
        age_at_start,
        placement_type,
        start_date,
        end_date,
        extent_percent,
        report_period as latest_report_period,
        report_rows,
        file_name,
        row_number
    from ranked
    where report_rank = 1
)

select * from final
