{#- The geographic distribution key and outcome per stadsområde and year (the logic is in
    int_geographic_distribution_computed, shared with the other area level). -#}
with

distribution as (
    select * from {{ ref('int_geographic_distribution_computed') }}
    where area_level = 'stadsomrade'
),

-- A stadsområde whose mellanområden are all hidden and each 1 is hidden itself: shown, it
-- would give them away (geographic_distribution_mellanomrade's relation to this table).
unprotectable as (
    {{ unprotectable_totals(
        "select d.year, g.stadsomrade, d.placed_count, d.placed_count between 1 and 4 as hidden
        from " ~ ref('int_geographic_distribution_computed') ~ " as d
        inner join (select distinct mellanomrade, stadsomrade from " ~ ref('geography') ~ ") as g
            on d.area = g.mellanomrade
        where d.area_level = 'mellanomrade'",
        ['year', 'stadsomrade'], 'placed_count', 'hidden'
    ) }}
),

-- placed_individuals unsuppressed here; the small-number rule flags the primary cells.
cells as (
    select
        distribution.year,
        distribution.area as stadsomrade,
        distribution.area_name,
        distribution.key_year,
        distribution.distribution_key,
        distribution.key_complete,
        distribution.placed_count as placed_individuals,
        distribution.expected_individuals,
        distribution.deviation,
        distribution.placement_share,
        distribution.placed_count between 1 and 4
        or coalesce(unprotectable.parts_unprotectable, false) as placed_individuals_hidden
    from distribution
    left join unprotectable
        on distribution.year = unprotectable.year and distribution.area = unprotectable.stadsomrade
),

-- Complementary suppression over the relations in the YAML (the areas sum to the total that
-- expected_individuals / distribution_key reveals).
{{ complementary_suppression(
    'cells',
    ['year', 'stadsomrade', 'area_name', 'key_year', 'distribution_key',
     'key_complete', 'placed_individuals', 'expected_individuals', 'deviation', 'placement_share',
     'placed_individuals_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- A hidden count hides the deviation and share that would give it back.
final as (
    select
        year,
        stadsomrade,
        area_name as stadsomrade_namn,
        key_year,
        distribution_key,
        key_complete,
        case when placed_individuals_hidden then null else placed_individuals end
            as placed_individuals,
        expected_individuals,
        case when placed_individuals_hidden then null else deviation end as deviation,
        case when placed_individuals_hidden then null else placement_share end as placement_share
    from protected
)

select
    year,
    stadsomrade,
    stadsomrade_namn,
    key_year,
    distribution_key,
    key_complete,
    placed_individuals,
    expected_individuals,
    deviation,
    placement_share
from final
order by year, stadsomrade
