with

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

-- Each person's first start in a year, for their age that year (under_30).
persons_by_year as (
    select
        start_year as year,
        person_id,
        {{ dbt.any_value('sex') }} as sex,
        {{ value_at_min('age_at_start', 'start_date') }} as age_at_first_start,
        count(*) as placements
    from placements
    group by start_year, person_id
),

counted as (
    select
        year,
        count(*) as individuals,
        sum(placements) as placements,
        count(*) filter (where sex = 'F') as women,
        count(*) filter (where sex = 'M') as men,
        count(*) filter (where age_at_first_start < 30) as under_30
    from persons_by_year
    group by year
),

final as (
    select
        year,
        {{ suppress_if_few('individuals', 'individuals') }} as individuals,
        {{ suppress_if_few('placements', 'individuals') }} as placements,
        {{ suppress_if_few('women', 'women') }} as women,
        {{ suppress_if_few('men', 'men') }} as men,
        {{ suppress_if_few('under_30', 'under_30') }} as under_30
    from counted
)

select
    cast(year as integer) as year,
    cast(individuals as bigint) as individuals,
    cast(placements as bigint) as placements,
    cast(women as bigint) as women,
    cast(men as bigint) as men,
    cast(under_30 as bigint) as under_30
from final
order by year
