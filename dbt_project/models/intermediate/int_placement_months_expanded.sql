{#- Every calendar month a paid placement covers, one row each: the placement-months whose
    wages socioeconomic_value counts. -#}
with

placements as (
    select * from {{ ref('int_placements_deduplicated') }}
),

placement_types as (
    select * from {{ ref('placement_types') }}
),

-- From the month of Startdatum to the month of Slutdatum or, for a placement still going on,
-- the last month of its newest Rapportperiod (YYYY-Qn: month 3 × n).
paid as (
    select
        placements.placement_id,
        placements.person_id,
        placements.placement_type,
        placements.extent_percent,
        cast(date_trunc('month', placements.start_date) as date) as first_month,
        coalesce(
            cast(date_trunc('month', placements.end_date) as date),
            cast(
                substr(placements.latest_report_period, 1, 4) || '-'
                || lpad(
                    cast(cast(substr(placements.latest_report_period, 7, 1) as integer) * 3 as {{ dbt.type_string() }}),
                    2,
                    '0'
                )
                || '-01'
                as date
            )
        ) as last_month
    from placements
    inner join placement_types on placements.placement_type = placement_types.placement_type
    where placement_types.is_paid
),

final as (
    select
        paid.placement_id,
        paid.person_id,
        paid.placement_type,
        paid.extent_percent,
        covered.month,
        cast(extract(year from covered.month) as integer) as year
    from paid
    {{ month_series_from('paid.first_month', 'paid.last_month', 'covered', 'month') }}
)

select * from final
