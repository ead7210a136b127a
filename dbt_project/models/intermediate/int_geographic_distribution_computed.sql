{#- Placed against expected per area and year, for both area levels (stadsområde and
    mellanområde): the two published geographic tables are this model, one level each. -#}

{{ config(materialized='table') }}  {#- a table: both geographic marts and their tests read it (docs/scaling.md) -#}

with

placements as (
    select
        person_id,
        start_year,
        mellanomrade,
        stadsomrade
    from {{ ref('int_placements_at_start') }}
),

keys as (
    select
        key_year,
        area_level,
        area,
        distribution_key,
        key_complete
    from {{ ref('int_distribution_keys_computed') }}
),

geography as (
    select
        nullif(trim(mellanomrade), '') as mellanomrade,
        mellanomrade_namn,
        nullif(trim(stadsomrade), '') as stadsomrade,
        stadsomrade_namn
    from {{ ref('geography') }}
    where nullif(trim(stadsomrade), '') is not null
),

areas as (
    select distinct
        'stadsomrade' as area_level,
        stadsomrade as area,
        stadsomrade_namn as area_name
    from geography
    union all
    select distinct
        'mellanomrade' as area_level,
        mellanomrade as area,
        mellanomrade_namn as area_name
    from geography
),

-- Every year in which any placement starts (area 99 included: it still makes the year).
placement_years as (
    select distinct start_year as year
    from placements
),

statistics_years as (
    select distinct key_year
    from keys
),

-- The key of a year: the newest statistics year on or before it; none, then no key.
key_years as (
    select
        placement_years.year,
        max(statistics_years.key_year) as key_year
    from placement_years
    left join statistics_years on placement_years.year >= statistics_years.key_year
    group by placement_years.year
),

-- Distinct persons by area at the start; area 99 (and 199) matches no area and is left out.
placed as (
    select
        start_year as year,
        'stadsomrade' as area_level,
        stadsomrade as area,
        count(distinct person_id) as placed_individuals
    from placements
    group by start_year, stadsomrade
    union all
    select
        start_year as year,
        'mellanomrade' as area_level,
        mellanomrade as area,
        count(distinct person_id) as placed_individuals
    from placements
    where mellanomrade is not null
    group by start_year, mellanomrade
),

area_years as (
    select
        key_years.year,
        key_years.key_year,
        areas.area_level,
        areas.area,
        areas.area_name,
        coalesce(placed.placed_individuals, 0) as placed_individuals
    from key_years
    cross join areas
    left join placed
        on
            key_years.year = placed.year
            and areas.area_level = placed.area_level
            and areas.area = placed.area
),

-- The areas' placed individuals summed, so that expected sums to placed over the areas.
computed as (
    select
        area_years.year,
        area_years.key_year,
        area_years.area_level,
        area_years.area,
        area_years.area_name,
        keys.distribution_key,
        coalesce(keys.key_complete, false) as key_complete,
        area_years.placed_individuals,
        sum(area_years.placed_individuals) over (
            partition by area_years.year, area_years.area_level
        ) as total_placed
    from area_years
    left join keys
        on
            area_years.key_year = keys.key_year
            and area_years.area_level = keys.area_level
            and area_years.area = keys.area
),

-- The total that expected / distribution_key reveals gives back the hidden areas of a year
-- whose areas (at either level) are all hidden or 0 and each 1: no shown part is left for
-- complementary suppression to hide with them, so the total is hidden instead.
total_hidden as (
    select
        year,
        bool_or(parts_hidden >= 1 and parts_shown = 0 and hidden_sum <= parts_hidden) as hidden
    from (
        select
            year,
            area_level,
            count(*) filter (where placed_individuals between 1 and 4) as parts_hidden,
            count(*) filter (where placed_individuals >= 5) as parts_shown,
            sum(placed_individuals) filter (where placed_individuals between 1 and 4) as hidden_sum
        from computed
        group by year, area_level
    ) as levels
    group by year
),

-- Small-number rule: placed 1–4 is NULL, and so are the deviation and share that would give it
-- back; expected and every share are NULL when all areas together have 1–4 persons, or when
-- the total must be hidden (total_hidden).
final as (
    select
        year,
        area_level,
        area,
        area_name,
        key_year,
        distribution_key,
        key_complete,
        {{ suppress_if_few('placed_individuals', 'placed_individuals') }} as placed_individuals,
        {{ suppress_if_few('distribution_key * total_placed', 'revealed_total') }}
            as expected_individuals,
        {{ suppress_if_few(
            suppress_if_few('placed_individuals - distribution_key * total_placed', 'revealed_total'),
            'placed_individuals'
        ) }} as deviation,
        {{ suppress_if_few(
            suppress_if_few(ratio('placed_individuals', 'total_placed'), 'revealed_total'),
            'placed_individuals'
        ) }} as placement_share,
        -- Unsuppressed, for the marts' complementary suppression (never published).
        placed_individuals as placed_count,
        total_placed
    from (
        -- 1–4 (hidden) when the total must be hidden, else the total itself.
        select
            computed.*,
            case when total_hidden.hidden then 1 else computed.total_placed end as revealed_total
        from computed
        left join total_hidden on computed.year = total_hidden.year
    ) as revealed
)

select
    cast(year as integer) as year,
    cast(area_level as {{ dbt.type_string() }}) as area_level,
    cast(area as {{ dbt.type_string() }}) as area,
    cast(area_name as {{ dbt.type_string() }}) as area_name,
    cast(key_year as integer) as key_year,
    cast(distribution_key as double) as distribution_key,
    cast(key_complete as boolean) as key_complete,
    cast(placed_individuals as integer) as placed_individuals,
    cast(expected_individuals as double) as expected_individuals,
    cast(deviation as double) as deviation,
    cast(placement_share as double) as placement_share,
    cast(placed_count as integer) as placed_count,
    cast(total_placed as integer) as total_placed
from final
