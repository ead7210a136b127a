with

source as (
    select * from {{ source('ersattningar', 'payments') }}
),

renamed as (
    select
        benefit_type,
        payer,
        person_id,
        birth_year,
        sex,
        month,
        amount,
        _loaded_at as loaded_at,
        _file as file_name,
        _row as row_number
    from source
)

select * from renamed
