with

source as (
    select * from {{ source('malgruppsregister', 'registrations') }}
),

renamed as (
    select
        person_id,
        birth_year,
        sex,
        target_group,
        primaromrade,
        registered_date,
        deregistered_date,
        referred_procurement_id,
        _file as file_name,
        _row as row_number
    from source
)

select * from renamed
