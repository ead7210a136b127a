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

-- A year whose i3_placements cells are all hidden and each 1 placement hides its placements:
-- shown, they would give the cells away (i3_placements' relation to this table).
unprotectable as (
    {{ unprotectable_totals(
        "select start_year as year, count(*) as placements,
            count(distinct person_id) between 1 and 4 as hidden
        from " ~ ref('int_placements_at_start') ~ "
        group by start_year, placement_type, target_group, stadsomrade",
        ['year'], 'placements', 'hidden'
    ) }}
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
