{#- The geographic distribution key and outcome per stadsområde and year (the logic is in
    int_geographic_distribution_computed, shared with the other area level). -#}
with

distribution as (
    select * from {{ ref('int_geographic_distribution_computed') }}
    where area_level = 'stadsomrade'
),

final as (
    select
        year,
        area as stadsomrade,
        area_name as stadsomrade_namn,
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
