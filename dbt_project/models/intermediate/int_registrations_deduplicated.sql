{#- One row per registration (person, Målgrupp, Inskrivningsdatum), however many register files
    carry it; the newest file (last in file-name order), then its last row, wins. -#}
with

registrations as (
    select * from {{ ref('stg_malgruppsregister__registrations') }}
),

ranked as (
    select
        person_id,
        target_group,
        primaromrade,
        registered_date,
        deregistered_date,
        referred_procurement_id,
        file_name,
        row_number,
        row_number() over (
            partition by person_id, target_group, registered_date
            order by file_name desc, row_number desc
        ) as version_rank
    from registrations
),

final as (
    select
        person_id,
        target_group,
        primaromrade,
        registered_date,
        deregistered_date,
        referred_procurement_id,
        file_name,
        row_number
    from ranked
    where version_rank = 1
)

select * from final
