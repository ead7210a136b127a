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

-- A year whose breakdown in i3_placements cannot protect its hidden categories hides its
-- placements: they are one, or each 1 placement, and no category is left to hide with them (a
-- shown non-zero one that may be hidden; areas 01–04 are hidden only as in
-- geographic_distribution). Shown, the year's placements would give them away.
breakdowns as (
    select
        year,
        dimension,
        sum(case when placements_hidden then 1 else 0 end) as hidden_parts,
        sum(case when placements_hidden then placements else 0 end) as hidden_sum,
        sum(case when not placements_hidden and may_be_hidden and placements > 0 then 1 else 0 end)
            as candidates
    from {{ ref('int_placement_categories_counted') }}
    group by year, dimension
),

unprotectable as (
    select distinct
        year,
        true as parts_unprotectable
    from breakdowns
    where
        hidden_parts >= 1
        and candidates = 0
        and not (hidden_parts >= 2 and hidden_sum > hidden_parts)
),

cells as (
    select
        counted.year,
        counted.individuals,
        counted.placements,
        counted.women,
        counted.men,
        counted.under_30,
        counted.individuals between 1 and 4 as individuals_hidden,
        counted.individuals between 1 and 4
        or coalesce(unprotectable.parts_unprotectable, false) as placements_hidden,
        counted.women between 1 and 4 as women_hidden,
        counted.men between 1 and 4 as men_hidden,
        counted.under_30 between 1 and 4 as under_30_hidden
    from counted
    left join unprotectable on counted.year = unprotectable.year
),

-- Complementary suppression over the relations in the YAML (women + men = individuals).
{{ complementary_suppression(
    'cells',
    ['year', 'individuals', 'placements', 'women', 'men', 'under_30', 'individuals_hidden',
     'placements_hidden', 'women_hidden', 'men_hidden', 'under_30_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- Placements are counted over the year's persons: hidden with individuals.
final as (
    select
        year,
        case when individuals_hidden then null else individuals end as individuals,
        case when placements_hidden then null else placements end as placements,
        case when women_hidden then null else women end as women,
        case when men_hidden then null else men end as men,
        case when under_30_hidden then null else under_30 end as under_30
    from protected
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
