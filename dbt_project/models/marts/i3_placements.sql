-- depends_on: {{ ref('i3_individuals') }}  (the total of a relation in the YAML's meta.privacy)
with

placements as (
    select * from {{ ref('int_placements_at_start') }}
),

counted as (
    select
        start_year as year,
        placement_type,
        target_group,
        stadsomrade,
        count(*) as placements,
        count(distinct person_id) as individuals
    from placements
    group by start_year, placement_type, target_group, stadsomrade
),

cells as (
    select
        year,
        placement_type,
        target_group,
        stadsomrade,
        placements,
        individuals,
        individuals between 1 and 4 as placements_hidden
    from counted
),

-- Complementary suppression over the relations in the YAML (the cells' placements sum to the
-- year's placements in i3_individuals). A hidden cell hides both its counts.
{{ complementary_suppression(
    'cells',
    ['year', 'placement_type', 'target_group', 'stadsomrade', 'placements', 'individuals',
     'placements_hidden'],
    privacy_relations(),
    into='protected'
) }},

final as (
    select
        year,
        placement_type,
        target_group,
        stadsomrade,
        case when placements_hidden then null else placements end as placements,
        case when placements_hidden then null else individuals end as individuals
    from protected
)

select
    cast(year as integer) as year,
    placement_type,
    target_group,
    stadsomrade,
    cast(placements as bigint) as placements,
    cast(individuals as bigint) as individuals
from final
order by year, placement_type, target_group, stadsomrade
