with

source as (
    select * from {{ source('avtalsregister', 'contracts') }}
),

renamed as (
    select
        snapshot_date,
        procurement_id,
        diarienummer,
        title,
        buyer_organisation,
        buyer_org_number,
        procurement_type,
        main_cpv,
        contract_start,
        contract_end,
        workers,
        social_level,
        required_places,
        target_groups,
        supplier_org_number,
        supplier_name,
        execution_area,
        _file as file_name,
        _row as row_number
    from source
)

select * from renamed
