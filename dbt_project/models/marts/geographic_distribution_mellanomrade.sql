{#- The geographic distribution key and outcome per mellanområde and year (the logic is in
    int_geographic_distribution_computed, shared with the other area level). -#}
-- depends_on: {{ ref('geographic_distribution') }}  (the total of a relation in the YAML's meta.privacy)
with

distribution as (
    select * from {{ ref('int_geographic_distribution_computed') }}
    where area_level = 'mellanomrade'
),

-- The stadsområde of each mellanområde, for the relation between the two tables.
geography as (
    select distinct
        nullif(trim(mellanomrade), '') as mellanomrade,
        nullif(trim(stadsomrade), '') as stadsomrade
    from {{ ref('geography') }}
    where nullif(trim(mellanomrade), '') is not null
),

-- placed_individuals unsuppressed here; the small-number rule flags the primary cells.
cells as (
    select
        distribution.year,
        distribution.area as mellanomrade,
        geography.stadsomrade,
        distribution.area_name,
        distribution.key_year,
        distribution.distribution_key,
        distribution.key_complete,
        distribution.placed_count as placed_individuals,
        distribution.expected_individuals,
        distribution.deviation,
        distribution.placement_share,
        distribution.placed_count between 1 and 4 as placed_individuals_hidden
    from distribution
    left join geography on distribution.area = geography.mellanomrade
),

-- Complementary suppression over the relations in the YAML (the mellanområden sum to their
-- stadsområde's count in geographic_distribution, and all of them to the total that
-- expected_individuals / distribution_key reveals).
{{ complementary_suppression(
    'cells',
    ['year', 'mellanomrade', 'stadsomrade', 'area_name', 'key_year',
     'distribution_key', 'key_complete', 'placed_individuals', 'expected_individuals', 'deviation',
     'placement_share', 'placed_individuals_hidden'],
    privacy_relations(),
    into='protected'
) }},

-- A hidden count hides the deviation and share that would give it back.
final as (
    select
        year,
        mellanomrade,
        stadsomrade,
        area_name as mellanomrade_namn,
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
    mellanomrade,
    stadsomrade,
    mellanomrade_namn,
    key_year,
    distribution_key,
    key_complete,
    placed_individuals,
    expected_individuals,
    deviation,
    placement_share
from final
order by year, mellanomrade
