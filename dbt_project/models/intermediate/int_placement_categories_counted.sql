{#- Indicator 3 broken down one way at a time, unsuppressed: placements and persons per (year,
    dimension, category), a row for every category in every year, 0 where nothing started; and
    which counts are hidden before complementary suppression. i3_placements publishes it and
    i3_individuals hides the year's placements when a breakdown cannot protect its cells. -#}
with

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

-- The areas as geographic_distribution published them: an area's persons there are its
-- individuals here (spec: the same count is hidden in both tables or in neither).
areas as (
    select
        year,
        stadsomrade,
        placed_individuals is null as hidden
    from {{ ref('geographic_distribution') }}
),

years as (
    select distinct start_year as year
    from placements
),

placed as (
    select
        start_year as year,
        'placement_type' as dimension,
        placement_type as category,
        person_id
    from placements
    union all
    select
        start_year as year,
        'target_group' as dimension,
        target_group as category,
        person_id
    from placements
    union all
    select
        start_year as year,
        'stadsomrade' as dimension,
        stadsomrade as category,
        person_id
    from placements
),

counted as (
    select
        year,
        dimension,
        category,
        count(*) as placements,
        count(distinct person_id) as individuals
    from placed
    group by year, dimension, category
),

-- The reference lists' categories, Okänd and 99, and any other a placement has (so that the
-- categories' placements always sum to the year's).
categories as (
    select
        'placement_type' as dimension,
        placement_type as category
    from {{ ref('placement_types') }}
    union
    select
        'target_group' as dimension,
        target_group as category
    from {{ ref('target_groups') }}
    union
    select
        'target_group' as dimension,
        'Okänd' as category
    union
    select
        'stadsomrade' as dimension,
        stadsomrade as category
    from {{ ref('stadsomraden') }}
    union
    select
        'stadsomrade' as dimension,
        '99' as category
    union
    select
        dimension,
        category
    from counted
),

cells as (
    select
        years.year,
        categories.dimension,
        categories.category,
        coalesce(counted.placements, 0) as placements,
        coalesce(counted.individuals, 0) as individuals,
        areas.hidden as area_hidden
    from years
    cross join categories
    left join counted
        on
            years.year = counted.year
            and categories.dimension = counted.dimension
            and categories.category = counted.category
    left join areas
        on
            categories.dimension = 'stadsomrade'
            and years.year = areas.year
            and categories.category = areas.stadsomrade
),

-- Primary: 1–4 persons (placements are counted over them); an area 01–04 is hidden exactly
-- when geographic_distribution hides it, and only there may it be hidden further.
final as (
    select
        year,
        dimension,
        category,
        placements,
        individuals,
        coalesce(area_hidden, individuals between 1 and 4) as placements_hidden,
        area_hidden is null as may_be_hidden
    from cells
)

select
    cast(year as integer) as year,
    cast(dimension as {{ dbt.type_string() }}) as dimension,
    cast(category as {{ dbt.type_string() }}) as category,
    cast(placements as bigint) as placements,
    cast(individuals as bigint) as individuals,
    cast(placements_hidden as boolean) as placements_hidden,
    cast(may_be_hidden as boolean) as may_be_hidden
from final
