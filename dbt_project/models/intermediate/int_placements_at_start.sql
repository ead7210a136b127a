{#- Every placement with the person's target group and area on its Startdatum: the rule
    "target group and area of a person at date D" of the spec, kept in this one model. -#}

{{ config(materialized='table') }}  {#- a table: five marts and eleven tests read it (docs/scaling.md) -#}

with

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

registrations as (
    select * from {{ ref('int_registrations_deduplicated') }}
),

geography as (
    select
        primaromrade,
        nullif(trim(mellanomrade), '') as mellanomrade,
        nullif(trim(stadsomrade), '') as stadsomrade
    from {{ ref('geography') }}
),

-- The registration with the latest Inskrivningsdatum on or before the start; on a tie the
-- first Målgrupp in alphabetical order. Utskrivningsdatum plays no part (the spec's rule).
registration_at_start as (
    select
        placements.placement_id,
        registrations.target_group,
        registrations.primaromrade,
        row_number() over (
            partition by placements.placement_id
            order by registrations.registered_date desc, registrations.target_group asc
        ) as registration_rank
    from placements
    inner join registrations
        on
            placements.person_id = registrations.person_id
            and placements.start_date >= registrations.registered_date
),

final as (
    select
        placements.placement_id,
        placements.person_id,
        placements.procurement_id,
        placements.supplier_org_number,
        placements.placement_type,
        placements.start_date,
        placements.end_date,
        placements.extent_percent,
        cast(extract(year from placements.start_date) as integer) as start_year,
        placements.birth_year,
        placements.sex,
        placements.age_at_start,
        coalesce(registration_at_start.target_group, 'Okänd') as target_group,
        registration_at_start.primaromrade,
        geography.mellanomrade,
        coalesce(geography.stadsomrade, '99') as stadsomrade
    from placements
    left join registration_at_start
        on
            placements.placement_id = registration_at_start.placement_id
            and registration_at_start.registration_rank = 1
    left join geography on registration_at_start.primaromrade = geography.primaromrade
)

select * from final
