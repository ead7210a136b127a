with

source as (
    select * from {{ source('leverantorsrapporter', 'placements') }}
),

renamed as (
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
        _file as file_name,
        _row as row_number
    from source
)

select * from renamed
