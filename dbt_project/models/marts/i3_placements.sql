-- depends_on: {{ ref('i3_individuals') }}  (the total of a relation in the YAML's meta.privacy)
with

cells as (
    select
        year,
        dimension,
        category,
        placements,
        individuals,
        placements_hidden,
        may_be_hidden
    from {{ ref('int_placement_categories_counted') }}
),

-- Complementary suppression over the relations in the YAML (per year and dimension the
-- categories' placements sum to the year's in i3_individuals); the areas 01–04 are not hidden
-- further here (may_be_hidden): geographic_distribution decided them. A hidden cell hides both
-- its counts.
{{ complementary_suppression(
    'cells',
    ['year', 'dimension', 'category', 'placements', 'individuals', 'placements_hidden',
     'may_be_hidden'],
    privacy_relations(),
    into='protected'
) }},

final as (
    select
        cast(year as integer) as year,
        cast(dimension as {{ dbt.type_string() }}) as dimension,
        cast(category as {{ dbt.type_string() }}) as category,
        cast(case when placements_hidden then null else placements end as bigint) as placements,
        cast(case when placements_hidden then null else individuals end as bigint) as individuals
    from protected
)

select * from final
