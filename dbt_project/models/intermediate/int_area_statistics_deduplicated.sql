{#- One value per (measure, primärområde, year): when exports overlap (a later export revising
    earlier years), the newest file (last in file-name order) that has the year, last row in it,
    wins, a missing value in it included. -#}
with

area_values as (
    select * from {{ ref('stg_omradesstatistik__area_values') }}
),

final as (
    select
        measure,
        primaromrade,
        year,
        value,
        file_name,
        row_number
    from area_values
    qualify
        row_number() over (
            partition by measure, primaromrade, year
            order by file_name desc, row_number desc
        ) = 1
)

select * from final
