{#- The geographic distribution key of every statistics year, per stadsområde and per
    mellanområde: the area's openly unemployed (summed over its primärområden) over the total of
    the four stadsområden. -#}
with

unemployed as (
    select
        primaromrade,
        year,
        value
    from {{ ref('int_area_statistics_deduplicated') }}
    where measure = 'arbetslosa'
),

-- The primärområden of the four stadsområden (199 Ospecificerat has none and is left out).
geography as (
    select
        primaromrade,
        nullif(trim(mellanomrade), '') as mellanomrade,
        nullif(trim(stadsomrade), '') as stadsomrade
    from {{ ref('geography') }}
    where nullif(trim(stadsomrade), '') is not null
),

-- A statistics year has at least one value: a year column that is all `..` is not one.
statistics_years as (
    select distinct year
    from unemployed
    where value is not null
),

-- Every primärområde in every statistics year: without a value (`..`, or no row) it is missing.
area_values as (
    select
        statistics_years.year,
        geography.primaromrade,
        geography.mellanomrade,
        geography.stadsomrade,
        unemployed.value
    from statistics_years
    cross join geography
    left join unemployed
        on
            statistics_years.year = unemployed.year
            and geography.primaromrade = unemployed.primaromrade
),

year_totals as (
    select
        year,
        sum(value) as total_unemployed,
        count(*) filter (where value is null) = 0 as key_complete
    from area_values
    group by year
),

by_area as (
    select
        year,
        'stadsomrade' as area_level,
        stadsomrade as area,
        sum(value) as unemployed
    from area_values
    group by year, stadsomrade
    union all
    select
        year,
        'mellanomrade' as area_level,
        mellanomrade as area,
        sum(value) as unemployed
    from area_values
    group by year, mellanomrade
),

final as (
    select
        by_area.year as key_year,
        by_area.area_level,
        by_area.area,
        by_area.unemployed,
        year_totals.total_unemployed,
        -- An area none of whose primärområden has a value has no key (NULL, not 0).
        by_area.unemployed / nullif(year_totals.total_unemployed, 0) as distribution_key,
        year_totals.key_complete
    from by_area
    inner join year_totals on by_area.year = year_totals.year
)

select
    cast(key_year as integer) as key_year,
    cast(area_level as {{ dbt.type_string() }}) as area_level,
    cast(area as {{ dbt.type_string() }}) as area,
    cast(unemployed as double) as unemployed,
    cast(total_unemployed as double) as total_unemployed,
    cast(distribution_key as double) as distribution_key,
    cast(key_complete as boolean) as key_complete
from final
