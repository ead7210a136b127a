{#- The candidates of candidate_pool: the persons registered on the reference date R (the
    latest registration on or before R, ties the first Målgrupp alphabetically, is open on R)
    who are in no placement ongoing on R, with their target group and stadsområde at R and
    that registration's Inskrivningsdatum and referral. -#}
with

reference_date as (
    select reference_date from {{ ref('int_reference_date_selected') }}
),

registrations as (
    select * from {{ ref('int_registrations_deduplicated') }}
),

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

geography as (
    select
        primaromrade,
        nullif(trim(stadsomrade), '') as stadsomrade
    from {{ ref('geography') }}
),

latest_registration as (
    select
        reference_date.reference_date,
        registrations.person_id,
        registrations.target_group,
        registrations.primaromrade,
        registrations.registered_date,
        registrations.deregistered_date,
        registrations.referred_procurement_id,
        row_number() over (
            partition by registrations.person_id
            order by registrations.registered_date desc, registrations.target_group asc
        ) as registration_rank
    from registrations
    cross join reference_date
    where registrations.registered_date <= reference_date.reference_date
),

-- Startdatum on or before R and Slutdatum empty or on or after it, under any Upphandlings-ID.
in_placement as (
    select distinct placements.person_id
    from placements
    cross join reference_date
    where
        placements.start_date <= reference_date.reference_date
        and (placements.end_date is null or placements.end_date >= reference_date.reference_date)
),

final as (
    select
        latest_registration.reference_date,
        latest_registration.person_id,
        latest_registration.target_group,
        coalesce(geography.stadsomrade, '99') as stadsomrade,
        latest_registration.registered_date,
        latest_registration.referred_procurement_id
    from latest_registration
    left join in_placement on latest_registration.person_id = in_placement.person_id
    left join geography on latest_registration.primaromrade = geography.primaromrade
    where
        latest_registration.registration_rank = 1
        and (
            latest_registration.deregistered_date is null
            or latest_registration.deregistered_date >= latest_registration.reference_date
        )
        and in_placement.person_id is null
)

select * from final
