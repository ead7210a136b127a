with

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

counted as (
    select
        start_year as year,
        placement_type,
        target_group,
        stadsomrade,
        count(*) as placements,
        count(distinct person_id) as individuals
    from placements
    group by start_year, placement_type, target_group, stadsomrade
),

final as (
    select
        year,
        placement_type,
        target_group,
        stadsomrade,
        {{ suppress_if_few('placements', 'individuals') }} as placements,
        {{ suppress_if_few('individuals', 'individuals') }} as individuals
    from counted
)

select
    cast(year as integer) as year,
    placement_type,
    target_group,
    stadsomrade,
    cast(placements as bigint) as placements,
    cast(individuals as bigint) as individuals
from final
order by year, placement_type, target_group, stadsomrade
