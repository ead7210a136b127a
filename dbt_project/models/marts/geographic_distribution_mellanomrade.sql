{#- The geographic distribution key and outcome per mellanområde and year (the logic is in
    int_geographic_distribution_computed, shared with the other area level). -#}
with

distribution as (
    select * from {{ ref('int_geographic_distribution_computed') }}
    where area_level = 'mellanomrade'
),

final as (
    select
        year,
        area as mellanomrade,
        area_name as mellanomrade_namn,
        key_year,
        distribution_key,
        key_complete,
        placed_individuals,
        expected_individuals,
        deviation,
        placement_share
    from distribution
)

select
    year,
    mellanomrade,
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
