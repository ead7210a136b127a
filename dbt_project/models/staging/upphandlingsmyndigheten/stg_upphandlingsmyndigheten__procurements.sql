with

source as (
    select * from {{ source('upphandlingsmyndigheten', 'procurements') }}
),

renamed as (
    select
        year,
        buyer_name,
        buyer_org_number,
        procurement_type,
        main_cpv,
        contract_type,
        socially_sustainable,
        socially_sustainable_text,
        procurement_id,
        title,
        published_date,
        _file as file_name,
        _row as row_number
    from source
)

select * from renamed
